/**
 * Legacy sessions across two replicas: two built binaries sharing one database (PostgreSQL when
 * TEST_DATABASE_URL is set) and one Redis, as two processes behind a round-robin balancer would.
 * The SDK v1 client keeps one session while its requests alternate between them; a POST stream
 * answered by A is resumed with Last-Event-ID on B; a notifications/cancelled sent to B stops the
 * call A is running on its host; a 2026 task A runs is watched over subscriptions/listen on B;
 * DELETE on B ends the session on A; the per-principal cap counts
 * both; and a Redis that goes away makes a session request a quick 503 that names the store.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { RedisClient } from "bun";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { createServices } from "../../src/services/index.ts";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { DATABASES } from "../helpers/databases.ts";
import { DEV_USERNAME, INITIALIZE_PARAMS, readSseEvents, request } from "../helpers/app.ts";
import { actorFor } from "../helpers/fixtures.ts";
import { inProcessAgent, registerHost } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";
import { openHttpSession, postMcp, sessionHeaders } from "../helpers/http-session.ts";
import { REDIS_URL, deleteKeys, inspector, redisAvailable, uniquePrefix } from "../helpers/redis.ts";
import { hasRedisServer, startPrivateRedis } from "../helpers/redis-server.ts";
import { startStuckRemote, type StuckRemote } from "../helpers/stuck-remote.ts";
import { modernRequest, sendModern, WITH_TASKS } from "../helpers/modern-client.ts";

// Building and starting two binaries take seconds on a busy 2-core machine.
setDefaultTimeout(90_000);

const SESSION_CAP = 4;
/** Longer than a command may wait for Redis (2 s), far shorter than a hang. */
const STORE_DOWN_ANSWER_DEADLINE_MS = 10_000;

const storeConfig = (url: string) => ({ enabled: true, CACHE_REDIS_URL: url, event_store_max_events: 100, event_store_ttl: 3600 });

/** The shared database: a fresh PostgreSQL one when available, else the sandbox's SQLite file. */
async function sharedDatabase(sandbox: Sandbox): Promise<{ url: string; db: Database; dispose(): Promise<void> }> {
  const postgres = DATABASES.find((variant) => variant.name === "PostgreSQL");
  if (postgres) return postgres.open();
  const db = openDatabase(sandbox.databaseUrl);
  await db.migrate();
  return { url: sandbox.databaseUrl, db, dispose: () => db.close() };
}

describe("one legacy session served by two replicas", () => {
  if (!redisAvailable("one legacy session served by two replicas")) return;
  const prefix = uniquePrefix("replica-sessions");
  let sandbox: Sandbox;
  let database: Awaited<ReturnType<typeof sharedDatabase>>;
  let a: RunningServer;
  let b: RunningServer;
  let raw: RedisClient;

  beforeAll(async () => {
    sandbox = await createSandbox();
    database = await sharedDatabase(sandbox);
    raw = await inspector();
    const config = {
      DATABASE_URL: database.url,
      SCHEDULER_ENABLED: false,
      MCP_STORE_CONFIG: storeConfig(REDIS_URL!),
      MCP_CACHE_CONFIG: { CACHE_KEY_PREFIX: prefix },
      MCP_MAX_SESSIONS_PER_PRINCIPAL: SESSION_CAP,
    };
    // One after the other: the first applies the migrations.
    a = await sandbox.start({ config });
    b = await sandbox.start({ config });
  });
  afterAll(async () => {
    await sandbox?.dispose();
    await database?.dispose();
    await deleteKeys(raw, prefix);
    raw?.close();
  });

  test("the SDK v1 client keeps one session while its requests alternate between A and B", async () => {
    const replicas = [a.url, b.url];
    const landed: string[] = [];
    let next = 0;
    const roundRobin = (_url: string | URL, init?: RequestInit) => {
      const target = replicas[next++ % replicas.length]!;
      landed.push(target);
      return fetch(target, init);
    };
    const transport = new StreamableHTTPClientTransport(new URL(a.url), { fetch: roundRobin });
    const client = new Client({ name: "superset-replicas", version: "1.0.0" });
    try {
      await client.connect(transport);
      const sessionId = transport.sessionId;
      expect(sessionId).toBeString();
      await client.listTools();
      await client.setLoggingLevel("warning");
      const created = await client.callTool({ name: "tasks_create", arguments: { title: "Made across replicas" } });
      expect(created.isError).toBeFalsy();
      for (let i = 0; i < 10; i++) {
        const listed = await client.callTool({ name: "tasks_list", arguments: { search: "Made across replicas" } });
        expect(listed.isError).toBeFalsy();
        expect(JSON.stringify(listed.structuredContent)).toContain("Made across replicas");
      }
      expect(transport.sessionId).toBe(sessionId);
      expect(new Set(landed)).toEqual(new Set(replicas));
    } finally {
      await client.close();
    }
  });

  test("a POST stream answered by A is resumed with Last-Event-ID on B, which replays the answer and closes", async () => {
    const sessionId = await openHttpSession(a.url);
    const body = request("tools/call", { name: "tasks_list", arguments: {}, _meta: { progressToken: "resume-1" } });
    const streamed = await postMcp(a.url, body, sessionId);
    expect(streamed.headers.get("content-type")).toStartWith("text/event-stream");
    const [answer] = await readSseEvents(streamed, 1);
    const eventId = answer!.id!;
    const streamId = eventId.slice(0, eventId.lastIndexOf(":"));
    const resumed = await fetch(b.url, { headers: sessionHeaders(sessionId, { Accept: "text/event-stream", "Last-Event-ID": `${streamId}:0` }) });
    expect(resumed.status).toBe(200);
    expect(await readSseEvents(resumed, 2)).toEqual([answer!]);
  });

  test("DELETE on B ends the session A made: A then answers 404", async () => {
    const sessionId = await openHttpSession(a.url);
    expect((await fetch(b.url, { method: "DELETE", headers: sessionHeaders(sessionId) })).status).toBe(200);
    const after = await postMcp(a.url, request("ping"), sessionId);
    expect(after.status).toBe(404);
    expect(((await after.json()) as { error: { message: string } }).error.message).toStartWith("Session not found");
  });

  describe.skipIf(process.platform !== "linux")("with a host connected to A", () => {
    let remote: StuckRemote;
    let agent: ReturnType<typeof inProcessAgent>;

    beforeAll(async () => {
      remote = startStuckRemote();
      const services = createServices(database.db);
      const token = await registerHost(services, await actorFor(services, DEV_USERNAME), "replica-box");
      agent = inProcessAgent({ baseUrl: a.url.replace(/\/mcp$/, ""), token });
      const session = await openHttpSession(a.url);
      await eventually("the host to be online on A", async () => {
        const listed = (await (await postMcp(a.url, request("tools/call", { name: "hosts_list", arguments: {} }), session)).json()) as {
          result?: { structuredContent?: { result?: { online?: boolean }[] } };
        };
        return listed.result?.structuredContent?.result?.some((host) => host.online) === true;
      });
    });
    afterAll(async () => {
      await agent?.stop();
      remote?.stop();
    });

    test("notifications/cancelled sent to B stops the clone A is running, and A answers that it was cancelled", async () => {
      const sessionId = await openHttpSession(a.url);
      const before = remote.requests;
      const body = request("tools/call", { name: "projects_create", arguments: { hostId: agent.hostId, gitUrl: remote.url("cancelled"), name: "cancelled" } });
      const pending = postMcp(a.url, body, sessionId);
      await eventually("the clone to reach the remote", () => remote.requests > before);
      const cancel = await postMcp(b.url, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: body.id, reason: "stopped on another replica" } }, sessionId);
      expect(cancel.status).toBe(202);
      const answer = (await (await pending).json()) as { result: { isError?: boolean; content: { text: string }[] } };
      expect(answer.result.isError).toBe(true);
      expect(answer.result.content[0]!.text).toStartWith("The call was cancelled");
    });

    test("a task A runs is watched with subscriptions/listen on B: A's cancellation of it reaches B's stream", async () => {
      const baseA = a.url.replace(/\/mcp$/, "");
      const started = await sendModern(
        { baseUrl: baseA },
        "tools/call",
        { name: "projects_create", arguments: { hostId: agent.hostId, gitUrl: remote.url("listened"), name: "listened" } },
        WITH_TASKS,
      );
      const taskId = started.body.result?.taskId as string;
      expect(taskId, JSON.stringify(started.body)).toBeString();
      const { body, headers } = modernRequest("subscriptions/listen", { notifications: { taskIds: [taskId] } }, WITH_TASKS);
      const stream = await fetch(b.url, { method: "POST", headers, body: JSON.stringify(body) });
      expect(stream.headers.get("content-type")).toStartWith("text/event-stream");
      type Notice = { method: string; params: { status?: string } };
      // Status messages of the clone may come first (they too are told from A); the cancellation is the last.
      const events = readSseEvents(stream, 20, 15_000, (event) => (event.data as Notice).params.status === "cancelled");
      expect((await sendModern({ baseUrl: baseA }, "tasks/cancel", { taskId }, WITH_TASKS)).body.result?.resultType).toBe("complete");
      const [ack, ...changes] = (await events).map((event) => event.data as Notice);
      expect(ack).toMatchObject({ method: "notifications/subscriptions/acknowledged", params: { notifications: { taskIds: [taskId] } } });
      expect(changes.at(-1)).toMatchObject({ method: "notifications/tasks", params: { taskId, status: "cancelled" } });
    });
  });

  // Last: it evicts the sessions the tests above made.
  test(`past ${SESSION_CAP} sessions of one principal, made on either replica, the one idle longest is gone on both`, async () => {
    const sessions: string[] = [];
    for (let i = 0; i <= SESSION_CAP; i++) sessions.push(await openHttpSession(i % 2 === 0 ? a.url : b.url));
    for (const url of [a.url, b.url]) {
      expect((await postMcp(url, request("ping"), sessions[0])).status).toBe(404);
      for (const kept of sessions.slice(1)) expect((await postMcp(url, request("ping"), kept)).status).toBe(200);
    }
  });
});

describe.skipIf(!hasRedisServer())("a replica whose Redis goes away", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  afterAll(async () => {
    await sandbox?.dispose();
  });

  test("answers a session request at once with 503 naming the session store, and serves the session again once Redis is back", async () => {
    const redis = await startPrivateRedis();
    const server = await sandbox.start({ config: { SCHEDULER_ENABLED: false, MCP_STORE_CONFIG: storeConfig(redis.url) } });
    try {
      const sessionId = await openHttpSession(server.url);
      // The session lives in this Redis's memory only (no persistence): a restart forgets it, so it is checked while Redis is down, then a new one after.
      await redis.stop();
      const down = await postMcp(server.url, request("ping"), sessionId, {}, AbortSignal.timeout(STORE_DOWN_ANSWER_DEADLINE_MS));
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).toBe("5");
      const body = (await down.json()) as { jsonrpc: string; error: { code: number; message: string } };
      expect(body.error.message).toStartWith("Service Unavailable: the session store (Redis) is unreachable");
      expect(body.error.message).not.toContain("Session not found");
      const deadline = () => AbortSignal.timeout(STORE_DOWN_ANSWER_DEADLINE_MS);
      expect((await fetch(server.url, { headers: sessionHeaders(sessionId, { Accept: "text/event-stream" }), signal: deadline() })).status).toBe(503);
      expect((await fetch(server.url, { method: "DELETE", headers: sessionHeaders(sessionId), signal: deadline() })).status).toBe(503);
      const initialize = await postMcp(server.url, request("initialize", INITIALIZE_PARAMS), undefined, {}, deadline());
      expect(initialize.status).toBe(503);

      await redis.start();
      await eventually(
        "a new session once Redis is back",
        () =>
          openHttpSession(server.url).then(
            () => true,
            () => false,
          ),
        30_000,
      );
    } finally {
      await server.stop();
      await redis.dispose();
    }
  });
});
