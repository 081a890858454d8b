/**
 * A host agent (the built binary's `superset host run`) connected through nginx to one of three
 * replicas, A; SDK clients connected straight to the other two, B and C. Every host tool called
 * through B and C answers from A's host, progress of projects_create and a terminal read included;
 * a POST stream on A cut after one event resumes on B with Last-Event-ID;
 * SIGKILL of A moves the agent (it reconnects through nginx) and B and C find it there.
 */
import type { Subprocess } from "bun";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { join } from "node:path";
import { BUILTIN_AGENT_PRESETS } from "../../src/config/defaults.ts";
import { createServices } from "../../src/services/index.ts";
import { DEV_USERNAME, readSseEvents } from "../helpers/app.ts";
import { openHttpSession, postMcp, sessionHeaders } from "../helpers/http-session.ts";
import { actorFor } from "../helpers/fixtures.ts";
import { makeRemote, removeTempDirs, tempDir, type TestRemote } from "../helpers/git-repos.ts";
import { randomHostId, registerHost } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";
import { sampleValue } from "../helpers/metrics.ts";
import { replicasAvailable, startReplicaSet, type Replica, type ReplicaSet } from "../helpers/replicas.ts";

// The first test file to need the binary builds it.
setDefaultTimeout(120_000);

const FAKE_AGENT = join(import.meta.dir, "../fixtures/fake-agent.sh");
/** Past the agent's first reconnect delays (1 s, 2 s, 4 s with jitter) on a busy machine. */
const RECONNECT_TIMEOUT_MS = 30_000;

type Structured = Record<string, any>;

describe("host tools through any replica", () => {
  if (!replicasAvailable("host tools through any replica")) return;
  let set: ReplicaSet;
  let remote: TestRemote;
  let agent: Subprocess<"ignore", "ignore", "pipe">;
  let agentLog = "";
  const hostId = randomHostId();
  const clients = new Map<number, Client>();

  beforeAll(async () => {
    const fake = { label: "Fake Claude", command: FAKE_AGENT, args: [], promptTransport: "argv" as const, promptArgs: [], resumeArgs: [], env: {} };
    set = await startReplicaSet({ config: { MCP_METRICS_ENABLED: true, AGENT_PRESETS: { ...BUILTIN_AGENT_PRESETS, fake } } });
    remote = makeRemote({ files: { "README.md": "replicated\n" } });
    const services = createServices(set.database.db);
    const token = await registerHost(services, await actorFor(services, DEV_USERNAME), "replicated-box");
    agent = Bun.spawn([set.sandbox.binary, "host", "run", "--server", set.url, "--data-dir", tempDir("superset-host-"), "--host-id", hostId], {
      cwd: set.sandbox.cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tempDir("superset-home-"), SUPERSET_HOST_TOKEN: token, NODE_EXTRA_CA_CERTS: set.certificates.caPath },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    void (async () => {
      const decoder = new TextDecoder();
      const reader = agent.stderr.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) agentLog += decoder.decode(chunk.value, { stream: true });
    })();
  });
  afterAll(async () => {
    agent?.kill("SIGTERM");
    await agent?.exited;
    await Promise.all([...clients.values()].map((client) => client.close().catch(() => {})));
    await set?.dispose();
    removeTempDirs();
  });

  /** An SDK client of `replica` itself (past nginx), made once. */
  async function clientOf(replica: Replica): Promise<Client> {
    let client = clients.get(replica.index);
    if (!client) {
      client = new Client({ name: `e2e-replica-${replica.index}`, version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${replica.directUrl}/mcp`)));
      clients.set(replica.index, client);
    }
    return client;
  }

  async function call(replica: Replica, name: string, args: Record<string, unknown> = {}, onprogress?: (progress: { message?: string }) => void): Promise<Structured> {
    const result = await (await clientOf(replica)).callTool({ name, arguments: name === "hosts_list" ? args : { hostId, ...args } }, undefined, onprogress ? { onprogress } : {});
    if (result.isError) throw new Error(`${name} through replica ${replica.index}: ${JSON.stringify(result.content)}; agent log:\n${agentLog}`);
    return result.structuredContent as Structured;
  }

  /** The replica holding the agent's WebSocket, by each one's own superset_hosts_connected (null while none does). */
  async function holder(): Promise<Replica | null> {
    for (const replica of set.replicas) {
      const scraped = await fetch(`${replica.directUrl}/metrics`)
        .then((response) => response.text())
        .catch(() => "");
      if (sampleValue(scraped, "superset_hosts_connected") === 1) return replica;
    }
    return null;
  }

  const others = (held: Replica) => set.replicas.filter((replica) => replica !== held);
  let a: Replica;

  test("the agent connects through nginx to one replica; the other two list it online", async () => {
    await eventually(`the agent to connect (its log: ${agentLog})`, async () => (a = (await holder())!) !== null, RECONNECT_TIMEOUT_MS);
    for (const replica of others(a)) {
      const { result } = await call(replica, "hosts_list");
      expect(
        result.find((host: Structured) => host.id === hostId),
        `replica ${replica.index}`,
      ).toMatchObject({ online: true });
    }
  });

  test("every host tool through B and C answers from A's host, with progress and a terminal read", async () => {
    const [b, c] = others(a) as [Replica, Replica];
    const progress: string[] = [];
    const { project } = await call(b, "projects_create", { gitUrl: remote.url }, (note) => void progress.push(note.message ?? ""));
    expect(progress.length).toBeGreaterThan(0);
    expect((await call(c, "projects_list")).result.map((item: Structured) => item.id)).toContain(project.id);

    const { workspace } = await call(c, "workspaces_create", { projectId: project.id, name: "replicated", branch: "feature/replicated" });
    expect(workspace).toMatchObject({ projectId: project.id, branch: "feature/replicated", worktreeExists: true });
    expect((await call(b, "workspaces_list")).result.map((item: Structured) => item.id)).toContain(workspace.id);
    expect(await call(b, "workspaces_update", { id: workspace.id, name: "renamed" })).toMatchObject({ id: workspace.id, name: "renamed" });

    const { terminalId } = await call(b, "terminals_create", { workspaceId: workspace.id });
    const terminal = { workspaceId: workspace.id, terminalId };
    await call(c, "terminals_send", { ...terminal, text: "echo through-$((40 + 2))" });
    await eventually("the echo, read through B", async () => (await call(b, "terminals_read", terminal)).text.includes("through-42"));
    expect((await call(c, "terminals_read", terminal)).text).toContain("through-42");
    expect((await call(c, "terminals_list", { workspaceId: workspace.id })).sessions.map((item: Structured) => item.terminalId)).toContain(terminalId);
    expect(await call(b, "terminals_close", terminal)).toEqual({ terminalId, status: "disposed" });

    const started = await call(c, "agents_create", { workspaceId: workspace.id, agent: "fake", prompt: "hello from C" });
    expect(started).toMatchObject({ kind: "terminal", label: "Fake Claude" });
    expect((await call(b, "agents_list")).result.map((item: Structured) => item.label)).toContain("Fake Claude");

    expect(await call(c, "workspaces_delete", { id: workspace.id })).toMatchObject({ success: true, worktreeRemoved: true });
  });

  test("a POST stream cut after its first event resumes with Last-Event-ID on another replica, to the answer", async () => {
    const [b] = others(a) as [Replica];
    const sessionId = await openHttpSession(`${a.directUrl}/mcp`);
    const second = makeRemote({ name: "resumed.git", files: { "README.md": "resumed\n" } });
    const body = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "projects_create", arguments: { hostId, gitUrl: second.url }, _meta: { progressToken: "resume-1" } } };
    const posted = await postMcp(`${a.directUrl}/mcp`, body, sessionId);
    expect(posted.headers.get("content-type")).toStartWith("text/event-stream");
    // The client reads one event, then loses the connection.
    const [first] = await readSseEvents(posted, 1, RECONNECT_TIMEOUT_MS);
    expect((first?.data as { method?: string }).method, JSON.stringify(first)).toBe("notifications/progress");
    const resumed = await fetch(`${b.directUrl}/mcp`, { headers: sessionHeaders(sessionId, { Accept: "text/event-stream", "Last-Event-ID": first!.id! }) });
    expect(resumed.status).toBe(200);
    const events = await readSseEvents(resumed, 1_000, RECONNECT_TIMEOUT_MS);
    const answer = events.find((event) => (event.data as { id?: unknown }).id === 7)?.data as { result?: { isError?: boolean; structuredContent?: { project?: { id: string } } } } | undefined;
    expect(answer?.result?.isError, JSON.stringify(events)).toBeFalsy();
    expect(answer?.result?.structuredContent?.project?.id, JSON.stringify(events)).toBeString();
    // Nothing replayed twice: only events after the one the client had.
    expect(events.map((event) => event.id)).not.toContain(first!.id);
  });

  test("SIGKILL of A: the agent reconnects through nginx to another replica within its reconnect time, and both others reach it", async () => {
    const killed = a;
    await set.kill(killed.index);
    let moved: Replica | null = null;
    await eventually(`the agent to reconnect elsewhere (its log: ${agentLog})`, async () => (moved = await holder()) !== null, RECONNECT_TIMEOUT_MS);
    expect(moved!.index).not.toBe(killed.index);
    const [remaining] = others(moved!).filter((replica) => replica !== killed);
    for (const replica of [moved!, remaining!]) {
      const { result } = await call(replica, "hosts_list");
      expect(
        result.find((host: Structured) => host.id === hostId),
        `replica ${replica.index}`,
      ).toMatchObject({ online: true });
    }
    // A live call (lists answer from last-known records even when a host is away): through the replica without the socket.
    const { workspace } = await call(remaining!, "workspaces_create", { name: "after the move" });
    expect(workspace).toMatchObject({ type: "session", worktreeExists: true });
  });
});
