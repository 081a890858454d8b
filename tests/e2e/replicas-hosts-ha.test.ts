/**
 * Host routing as an operator of a highly available deployment needs it, on three built binaries
 * sharing PostgreSQL and Redis (tests/helpers/replicas.ts) and a real `superset host run` given
 * the URLs of A and C straight (no balancer in its way):
 *   - B, holding no host, reports the fleet's host in health_check and /metrics, its own apart;
 *   - B is killed with SIGKILL while A's host clones for it: A sees B's liveness key lapse and
 *     aborts the clone, so the host's git ends and its folder goes;
 *   - A is killed: the agent moves to C, the next URL it was given, and answers there.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RedisClient } from "bun";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { isProcessAlive } from "../../src/agent/process-session.ts";
import { CALLER_ABANDONED_WITHIN_SECONDS } from "../../src/hosts/replica-liveness.ts";
import { createServices } from "../../src/services/index.ts";
import { actorFor } from "../helpers/fixtures.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { agentProcess, registerHost } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";
import { sampleValue } from "../helpers/metrics.ts";
import { REDIS_URL } from "../helpers/redis.ts";
import { replicasAvailable, startReplicaSet, type Replica, type ReplicaSet } from "../helpers/replicas.ts";
import { processesWith, startStuckRemote, type StuckRemote } from "../helpers/stuck-remote.ts";

// The first test file to need the binary builds it; three replicas on 2 cores take a while.
setDefaultTimeout(120_000);

/** The agent's reconnect delay is at most 30 s (src/agent/connection.ts). */
const RECONNECT_DEADLINE_MS = 30_000;
/** The documented bound for a dead caller's work, plus the time a loaded machine takes to end git. */
const ABANDONED_DEADLINE_MS = CALLER_ABANDONED_WITHIN_SECONDS * 1000 + 15_000;

type ToolAnswer = { isError?: boolean; structuredContent?: Record<string, any>; content: { type: string; text?: string }[] };

describe("host routing for a highly available deployment", () => {
  if (!replicasAvailable("host routing for a highly available deployment")) return;
  let set: ReplicaSet;
  let agent: ReturnType<typeof agentProcess>;
  let registrationId = "";
  let redis: RedisClient;
  let stuck: StuckRemote;
  const clients = new Map<number, Client>();
  let a: Replica, b: Replica, c: Replica;

  const replicaNamed = (replicaId: string | null) => set.replicas.find((replica) => replica.server.stderr().includes(`"replicaId":"${replicaId}"`));
  /** The replica holding the agent's socket, as presence in Redis says. */
  const holder = async () => replicaNamed(await redis.get(`${set.keyPrefix}:hosts:presence:${registrationId}`));

  async function clientOn(replica: Replica): Promise<Client> {
    let client = clients.get(replica.index);
    if (!client) {
      client = new Client({ name: "replicas-hosts-ha-e2e", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${replica.directUrl}/mcp`)));
      clients.set(replica.index, client);
    }
    return client;
  }

  async function succeed(replica: Replica, name: string, args: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const answer = (await (await clientOn(replica)).callTool({ name, arguments: args })) as ToolAnswer;
    if (answer.isError) throw new Error(`${name} through replica ${replica.index} failed: ${answer.content[0]?.text}; agent log:\n${agent.output()}`);
    return answer.structuredContent!;
  }

  const scrape = (replica: Replica) => fetch(`${replica.directUrl}/metrics`).then((response) => response.text());

  beforeAll(async () => {
    set = await startReplicaSet({ config: { MCP_METRICS_ENABLED: true } });
    [a, b, c] = set.replicas as [Replica, Replica, Replica];
    redis = new RedisClient(REDIS_URL!);
    await redis.connect();
    stuck = startStuckRemote();
    const services = createServices(set.database.db);
    const token = await registerHost(services, await actorFor(services, "admin"), "ha-box");
    registrationId = (await services.hosts.authenticateToken(token))!.registrationId;
    agent = agentProcess({ baseUrl: a.directUrl, moreServers: [c.directUrl], token, env: { HOME: tempDir("superset-home-") } });
    await eventually(`the agent to connect (its log: ${agent.output()})`, async () => (await holder()) !== undefined, RECONNECT_DEADLINE_MS);
  });

  afterAll(async () => {
    await Promise.allSettled([...clients.values()].map((client) => client.close()));
    await agent?.stop();
    stuck?.stop();
    redis?.close();
    await set?.dispose();
    removeTempDirs();
  });

  test("the agent is on A, its first URL; B, holding no host, counts the fleet's host in health_check and /metrics, its own apart", async () => {
    expect(await holder()).toBe(a);
    const health = await succeed(b, "health_check");
    expect(health).toMatchObject({ store: "redis", hostsOnline: 1, hostsConnectedHere: 0 });
    const metrics = await scrape(b);
    expect(sampleValue(metrics, "superset_hosts_online")).toBe(1);
    expect(sampleValue(metrics, "superset_hosts_connected")).toBe(0);
    expect(sampleValue(await scrape(a), "superset_hosts_connected")).toBe(1);
    expect(await succeed(a, "health_check")).toMatchObject({ hostsOnline: 1, hostsConnectedHere: 1 });
  });

  test("B is killed with SIGKILL while A's host clones for it: the host's git ends and the partial clone goes", async () => {
    const url = stuck.url("orphaned");
    const before = stuck.requests;
    const waiting = (await clientOn(b)).callTool({ name: "projects_create", arguments: { hostId: agent.hostId, gitUrl: url, name: "orphaned" } }).catch((error: unknown) => error);
    await eventually("the clone to reach the remote", () => stuck.requests > before);
    const pids = processesWith(url);
    expect(pids.length).toBeGreaterThan(0);
    const target = join(agent.dataDir, "projects", "orphaned");
    expect(existsSync(target)).toBe(true);

    await set.kill(b.index);
    clients.delete(b.index);
    await waiting;
    await eventually(`the clone's git processes to end (A's log: ${a.server.stderr().slice(-2000)})`, () => pids.every((pid) => !isProcessAlive(pid)), ABANDONED_DEADLINE_MS);
    await eventually("the partial clone to be removed", () => !existsSync(target));
    expect(a.server.stderr()).toContain("the replica that routed a host call is gone; aborting the call on the host");
    expect(JSON.stringify((await succeed(a, "projects_list", { hostId: agent.hostId })).result)).not.toContain("orphaned");
  });

  test("A is killed with SIGKILL: the agent reconnects to C, the next URL it was given, with no balancer, and answers there", async () => {
    await set.kill(a.index);
    await eventually(`the agent on C (its log: ${agent.output()})`, async () => (await holder()) === c, RECONNECT_DEADLINE_MS);
    expect(agent.output()).toContain(`"nextServer":"${c.directUrl.replace("http", "ws")}/hosts/connect"`);
    expect(await succeed(c, "health_check")).toMatchObject({ hostsOnline: 1, hostsConnectedHere: 1 });
    const { workspace } = await succeed(c, "workspaces_create", { hostId: agent.hostId, name: "after the move" });
    expect(workspace).toMatchObject({ type: "session", worktreeExists: true });
  });
});
