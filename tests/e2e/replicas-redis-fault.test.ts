/**
 * Redis stopped and started under three running replicas behind nginx (a private redis-server:
 * the shared one of TEST_REDIS_URL is never stopped). While it is down every replica's /ready
 * answers 503 naming the store, the rate limit lets requests through and logs a warning, tool
 * calls still answer, and a legacy session's requests get a 503 naming the session store at once; once it is back every replica is ready again without a restart, the limit
 * counts again, and every task written before, during and after the outage is in the database once.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { inArray } from "drizzle-orm";
import { logMessages } from "../helpers/binary.ts";
import { eventually } from "../helpers/eventually.ts";
import { openHttpSession, postMcp } from "../helpers/http-session.ts";
import { modernRequest } from "../helpers/modern-client.ts";
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from "../helpers/redis-server.ts";
import { replicasAvailable, startReplicaSet, type ReplicaSet } from "../helpers/replicas.ts";

// The first test file to need the binary builds it.
setDefaultTimeout(120_000);

/** Long enough for the client's reconnect backoff after an outage of a few seconds. */
const RECOVERY_TIMEOUT_MS = 30_000;
/** Tool calls per phase: enough to land on every replica more than once. */
const CALLS_PER_PHASE = 9;
const FAIL_OPEN_WARNING = "rate limit not applied: the store does not answer";

describe("three replicas while their Redis goes away and comes back", () => {
  if (!replicasAvailable("three replicas while their Redis goes away and comes back")) return;
  let redis: PrivateRedis;
  let set: ReplicaSet;
  const titles: string[] = [];
  /** A legacy (2025-11-25) session opened while Redis is up, on the first replica. */
  let sessionId = "";

  /** A ping in that session, straight to `replica`: its status and JSON-RPC error, if any. */
  async function pingSession(replica: ReplicaSet["replicas"][number]) {
    const response = await postMcp(`${replica.directUrl}/mcp`, { jsonrpc: "2.0", id: 1, method: "ping" }, sessionId);
    const body = (await response.json()) as { error?: { message: string } };
    return { status: response.status, error: body.error?.message ?? null, retryAfter: response.headers.get("retry-after") };
  }

  beforeAll(async () => {
    expect(hasRedisServer(), "redis-server is missing: CI must install it").toBe(true);
    redis = await startPrivateRedis();
    set = await startReplicaSet({ redisUrl: redis.url, config: { MCP_RATE_LIMIT: { enabled: true, requests: 10_000, window_seconds: 60 } } });
  });
  afterAll(async () => {
    await set?.dispose();
    await redis?.dispose();
  });

  /** GET /ready of every replica, past nginx: what a balancer's probe of each one sees. */
  const readiness = () =>
    Promise.all(
      set.replicas.map(async (replica) => {
        const response = await fetch(`${replica.directUrl}/ready`);
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      }),
    );

  /** CALLS_PER_PHASE tasks_create calls through nginx, each with a fresh title; what each answered and who served it. */
  async function createTasks(phase: string) {
    const answers = [];
    for (let i = 0; i < CALLS_PER_PHASE; i++) {
      const title = `${phase} ${i} ${crypto.randomUUID()}`;
      const { body, headers } = modernRequest("tools/call", { name: "tasks_create", arguments: { title } }, {});
      const response = await set.fetch(`${set.url}/mcp`, { method: "POST", headers, body: JSON.stringify(body) });
      const answer = (await response.json()) as { result?: { isError?: boolean; structuredContent?: { task: { title: string } } }; error?: unknown };
      expect(response.status, JSON.stringify(answer)).toBe(200);
      expect(answer.result?.isError, JSON.stringify(answer)).toBeFalsy();
      expect(answer.result?.structuredContent?.task.title).toBe(title);
      titles.push(title);
      answers.push({ servedBy: set.servedBy(response).index, rateLimited: response.headers.has("ratelimit-limit") });
    }
    return answers;
  }

  test("up: ready, and the rate limit counts", async () => {
    for (const { status, body } of await readiness()) expect({ status, body }).toEqual({ status: 200, body: { status: "ready", database: "ok", store: "ok" } });
    const answers = await createTasks("before");
    expect(answers.every((answer) => answer.rateLimited)).toBe(true);
    sessionId = await openHttpSession(`${set.replicas[0]!.directUrl}/mcp`);
    for (const replica of set.replicas) expect(await pingSession(replica)).toMatchObject({ status: 200, error: null });
  });

  test("down: every replica answers /ready 503 down [store], tool calls still answer, the limit fails open with a warning, session requests get 503", async () => {
    await redis.stop();
    await eventually("every replica to see the store down", async () => (await readiness()).every(({ status }) => status === 503), RECOVERY_TIMEOUT_MS);
    for (const { body } of await readiness()) expect(body).toEqual({ status: "unavailable", down: ["store"], database: "ok", store: "down" });
    const answers = await createTasks("during");
    expect(new Set(answers.map((answer) => answer.servedBy)).size).toBe(set.replicas.length);
    // No RateLimit headers: the request was let through without a count.
    expect(answers.some((answer) => answer.rateLimited)).toBe(false);
    for (const replica of set.replicas) expect(logMessages(replica.server.stderr()), `replica ${replica.index}`).toContain(FAIL_OPEN_WARNING);
    // A session lookup cannot be answered: a 503 naming the session store at once, not a hang nor "Session not found".
    for (const replica of set.replicas) {
      const answer = await pingSession(replica);
      expect(answer, `replica ${replica.index}`).toMatchObject({ status: 503, retryAfter: expect.any(String) });
      expect(answer.error).toStartWith("Service Unavailable: the session store (Redis) is unreachable");
    }
  });

  test("back: every replica is ready again without a restart and counts again; each task is in the database once", async () => {
    await redis.start();
    await eventually("every replica to be ready again", async () => (await readiness()).every(({ status }) => status === 200), RECOVERY_TIMEOUT_MS);
    const answers = await createTasks("after");
    expect(answers.every((answer) => answer.rateLimited)).toBe(true);
    // This Redis keeps nothing on disk, so it came back empty: the session is gone and the client is told to initialize again.
    for (const replica of set.replicas) expect((await pingSession(replica)).status, `replica ${replica.index}`).toBe(404);

    const { tasks } = set.database.db.tables;
    const rows = await set.database.db.orm.select({ title: tasks.title }).from(tasks).where(inArray(tasks.title, titles));
    expect(rows.map((row) => row.title).sort()).toEqual([...titles].sort());
    expect(titles).toHaveLength(3 * CALLS_PER_PHASE);
  });
});
