/**
 * Host tools across replicas: three built binaries on one PostgreSQL and one Redis behind nginx
 * (tests/helpers/replicas.ts), a real `superset host run` connected through nginx to one of them
 * (A). The SDK client talks to the other two directly (B and C), so every answer was carried to
 * A's host and back through Redis: hosts_list, projects_create with its progress notifications, a
 * terminal created, typed into and read, a cancelled clone that really stops on the host. Then A
 * is killed with SIGKILL mid-call: the waiting call fails with a sentence, and the agent,
 * reconnecting through nginx, is found on another replica and answers again.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RedisClient } from "bun";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { isProcessAlive } from "../../src/agent/process-session.ts";
import { createServices } from "../../src/services/index.ts";
import { actorFor } from "../helpers/fixtures.ts";
import { makeRemote, removeTempDirs, tempDir, type TestRemote } from "../helpers/git-repos.ts";
import { agentProcess, registerHost } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";
import { REDIS_URL } from "../helpers/redis.ts";
import { replicasAvailable, startReplicaSet, type Replica, type ReplicaSet } from "../helpers/replicas.ts";
import { processesWith, startStuckRemote, type StuckRemote } from "../helpers/stuck-remote.ts";

// The first test file to need the binary builds it; three replicas and a clone take a while on 2 cores.
setDefaultTimeout(120_000);

/** The agent's reconnect delay is at most 30 s (src/agent/connection.ts); its first retry comes within 1 s. */
const RECONNECT_DEADLINE_MS = 30_000;

type ToolAnswer = { isError?: boolean; structuredContent?: Record<string, any>; content: { type: string; text?: string }[] };

describe("host tools through replicas that do not hold the host's socket", () => {
  if (!replicasAvailable("host tools across replicas")) return;
  let set: ReplicaSet;
  let agent: ReturnType<typeof agentProcess>;
  let registrationId = "";
  let redis: RedisClient;
  let remote: TestRemote;
  let stuck: StuckRemote;
  const clients = new Map<number, Client>();
  const killed = new Set<Replica>();

  /** The replica whose host-routing log line names `replicaId`. */
  const replicaNamed = (replicaId: string | null) => set.replicas.find((replica) => replica.server.stderr().includes(`"replicaId":"${replicaId}"`));
  /** The replica that holds the agent's socket, as presence in Redis says. */
  const holder = async () => replicaNamed(await redis.get(`${set.keyPrefix}:hosts:presence:${registrationId}`));

  /** An SDK client (legacy session) on `replica` itself, past nginx. */
  async function clientOn(replica: Replica): Promise<Client> {
    let client = clients.get(replica.index);
    if (!client) {
      client = new Client({ name: "replica-hosts-e2e", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${replica.directUrl}/mcp`)));
      await client.listTools();
      clients.set(replica.index, client);
    }
    return client;
  }

  async function call(
    replica: Replica,
    name: string,
    args: Record<string, unknown> = {},
    options: { onprogress?: (progress: { progress: number }) => void; signal?: AbortSignal } = {},
  ): Promise<ToolAnswer> {
    const client = await clientOn(replica);
    return (await client.callTool({ name, arguments: name === "hosts_list" ? args : { hostId: agent.hostId, ...args } }, undefined, options)) as ToolAnswer;
  }

  async function succeed(replica: Replica, name: string, args: Record<string, unknown> = {}, options = {}): Promise<Record<string, any>> {
    const answer = await call(replica, name, args, options);
    if (answer.isError) throw new Error(`${name} through replica ${replica.index} failed: ${answer.content[0]?.text}`);
    return answer.structuredContent!;
  }

  const others = async () => {
    const a = await holder();
    return set.replicas.filter((replica) => replica !== a && !killed.has(replica));
  };

  beforeAll(async () => {
    set = await startReplicaSet();
    redis = new RedisClient(REDIS_URL!);
    await redis.connect();
    remote = makeRemote({ files: { "README.md": "routed\n" } });
    stuck = startStuckRemote();
    const services = createServices(set.database.db);
    const token = await registerHost(services, await actorFor(services, "admin"), "build-box");
    registrationId = (await services.hosts.authenticateToken(token))!.registrationId;
    // Through nginx, trusting its test CA, as an agent reaches a real deployment.
    agent = agentProcess({ baseUrl: set.url, token, env: { HOME: tempDir("superset-home-"), NODE_EXTRA_CA_CERTS: set.certificates.caPath } });
    await eventually(`the agent to connect (its log: ${agent.output()})`, async () => (await holder()) !== undefined);
  });

  afterAll(async () => {
    await Promise.allSettled([...clients.values()].map((client) => client.close()));
    await agent?.stop();
    stuck?.stop();
    redis?.close();
    await set?.dispose();
    removeTempDirs();
  });

  test("hosts_list on every replica says the host is online", async () => {
    for (const replica of set.replicas) {
      const { result } = await succeed(replica, "hosts_list");
      expect(result, `replica ${replica.index}`).toEqual([expect.objectContaining({ id: agent.hostId, name: "build-box", online: true })]);
    }
  });

  test("projects_create through B clones on A's host, with progress notifications reaching B's client; C lists the project", async () => {
    const [b, c] = await others();
    const progress: number[] = [];
    const created = await succeed(b!, "projects_create", { gitUrl: remote.url }, { onprogress: ({ progress: value }: { progress: number }) => progress.push(value) });
    expect(created.created).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    const listed = await succeed(c!, "projects_list");
    expect(listed.source).toBe("host");
    expect(listed.result).toContainEqual(expect.objectContaining({ id: created.project.id, repoPath: created.project.repoPath }));
  });

  test("a terminal made through B, typed into through C, read through B", async () => {
    const [b, c] = await others();
    const { workspace } = await succeed(c!, "workspaces_create", { name: "scratch" });
    const { terminalId } = await succeed(b!, "terminals_create", { workspaceId: workspace.id });
    const ref = { workspaceId: workspace.id, terminalId };
    await succeed(c!, "terminals_send", { ...ref, text: "echo routed-$((6*7))" });
    await eventually("the echo on the terminal", async () => /^routed-42$/m.test((await succeed(b!, "terminals_read", ref)).text));
    expect(await succeed(c!, "terminals_close", ref)).toEqual({ terminalId, status: "disposed" });
  });

  test("a clone cancelled by the client on B stops on A's host: git ends, the folder goes, no project is made", async () => {
    const [b, c] = await others();
    const url = stuck.url("cancelled");
    const before = stuck.requests;
    const controller = new AbortController();
    const answer = call(b!, "projects_create", { gitUrl: url, name: "cancelled" }, { signal: controller.signal });
    await eventually("the clone to reach the remote", () => stuck.requests > before);
    const pids = processesWith(url);
    expect(pids.length).toBeGreaterThan(0);
    const target = join(agent.dataDir, "projects", "cancelled");
    expect(existsSync(target)).toBe(true);
    controller.abort();
    await expect(answer).rejects.toThrow();
    await eventually("the clone's git processes to end", () => pids.every((pid) => !isProcessAlive(pid)));
    await eventually("the partial clone to be removed", () => !existsSync(target));
    expect(JSON.stringify((await succeed(c!, "projects_list")).result)).not.toContain("cancelled");
  });

  test("A killed mid-call: B's call fails with a sentence, and the agent is found on another replica within its reconnect time", async () => {
    const a = (await holder())!;
    const [b] = await others();
    const before = stuck.requests;
    const waiting = call(b!, "projects_create", { gitUrl: stuck.url("orphaned"), name: "orphaned" });
    await eventually("the clone to reach the remote", () => stuck.requests > before);
    await set.kill(a.index);
    killed.add(a);

    const failed = await waiting;
    expect(failed.isError).toBe(true);
    expect(failed.content[0]!.text).toMatch(
      /^(Host "build-box" \([0-9a-f]{32}\) reconnected to another replica before it answered project\.create|The replica holding Host "build-box" \([0-9a-f]{32}\)'s connection went away)/,
    );

    await eventually(`the agent on another replica (its log: ${agent.output()})`, async () => ![undefined, a].includes(await holder()), RECONNECT_DEADLINE_MS);
    for (const replica of set.replicas.filter((candidate) => candidate !== a)) {
      const { result } = await succeed(replica, "hosts_list");
      expect(result[0]).toMatchObject({ id: agent.hostId, online: true });
      expect((await succeed(replica, "projects_list")).source).toBe("host");
    }
  });
});
