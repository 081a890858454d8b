/**
 * Two apps over one database and one Redis behave as replicas: they count one MCP rate limit
 * together, share the response cache and the task records, and /ready names a store that does not
 * answer. Each app has its own RedisStore (its own connection), as two processes would.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RedisClient } from "bun";
import { defaultConfig } from "../../src/config/defaults.ts";
import { createApp, createHostAccess, type App } from "../../src/server/app.ts";
import { connectRedisStore, type RedisStore } from "../../src/store/redis.ts";
import { createSigninLimiter } from "../../src/web/signin-limiter.ts";
import { createTaskStore } from "../../src/mcp/tasks/task-store.ts";
import { principalKey } from "../../src/auth/principal.ts";
import { TOOL_SCOPES } from "../../src/auth/scopes.ts";
import { createTestApp, DEV_USERNAME, type TestApp } from "../helpers/app.ts";
import { actorFor } from "../helpers/fixtures.ts";
import { sendModern, WITH_TASKS } from "../helpers/modern-client.ts";
import { REDIS_URL, deleteKeys, inspector, redisAvailable, uniquePrefix } from "../helpers/redis.ts";

describe("replicas sharing one Redis", () => {
  if (!redisAvailable("replicas sharing one Redis")) return;
  const prefix = uniquePrefix("replicas");
  let storeA: RedisStore;
  let storeB: RedisStore;
  let a: TestApp;
  let appB: App;
  let raw: RedisClient;

  beforeAll(async () => {
    storeA = await connectRedisStore({ url: REDIS_URL!, keyPrefix: prefix });
    storeB = await connectRedisStore({ url: REDIS_URL!, keyPrefix: prefix });
    raw = await inspector();
    // A long window, so the turn of a window cannot fall inside the test and fade the count.
    const overrides = {
      MCP_RATE_LIMIT: { enabled: true, requests: 10, window_seconds: 3600 },
      MCP_CACHE_CONFIG: { ...defaultConfig().MCP_CACHE_CONFIG, enabled: true, CACHE_KEY_PREFIX: prefix },
    };
    a = await createTestApp(overrides, { sharedStore: storeA });
    appB = createApp({ config: a.config, services: a.services, hosts: createHostAccess(a.config, a.services), sharedStore: storeB });
  });
  afterAll(async () => {
    await deleteKeys(raw, prefix);
    storeA.close();
    storeB.close();
    raw.close();
    await a.db.close();
  });

  test("health_check says the store is redis", async () => {
    const answer = await sendModern({ app: a.app }, "tools/call", { name: "health_check", arguments: {} });
    expect(answer.body.result?.structuredContent).toMatchObject({ store: "redis" });
  });

  test("a task record written on A is answered by tasks/get on B, and an unknown id is still unknown", async () => {
    const owner = principalKey(await actorFor(a.services, DEV_USERNAME), TOOL_SCOPES);
    const task = await createTaskStore({ store: storeA }).create(owner, "cloning");
    const onB = await sendModern({ app: appB }, "tasks/get", { taskId: task.taskId }, WITH_TASKS);
    expect(onB.body.result).toMatchObject({ resultType: "complete", taskId: task.taskId, status: "working", statusMessage: "cloning" });
    expect((await sendModern({ app: appB }, "tasks/get", { taskId: crypto.randomUUID() }, WITH_TASKS)).body.error?.code).toBe(-32602);
  });

  test("an answer cached on A is what B answers, so a change made outside tool calls is not seen until it expires", async () => {
    const actor = await actorFor(a.services, DEV_USERNAME);
    const { id } = await a.services.tasks.create(actor, { title: "before" });
    const onA = await sendModern({ app: a.app }, "tools/call", { name: "tasks_get", arguments: { idOrSlug: id } });
    expect(JSON.stringify(onA.body.result)).toContain("before");
    // Straight through the service: no tool call, so no invalidation; B can only answer "before" from the shared cache.
    await a.services.tasks.update(actor, id, { title: "after" });
    const onB = await sendModern({ app: appB }, "tools/call", { name: "tasks_get", arguments: { idOrSlug: id } });
    expect(onB.body.result).toEqual(onA.body.result);
    // A write through a tool on B makes A run the tool again.
    await sendModern({ app: appB }, "tools/call", { name: "tasks_update", arguments: { id, title: "third" } });
    expect(JSON.stringify((await sendModern({ app: a.app }, "tools/call", { name: "tasks_get", arguments: { idOrSlug: id } })).body.result)).toContain("third");
  });

  // Last: it uses up the caller's allowance.
  test("the MCP rate limit is counted once across both: 6 requests on each, the 11th and 12th are refused", async () => {
    // The earlier tests already counted requests from this caller; start from a fresh count.
    await deleteKeys(raw, `${prefix}:rate-limit`);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await sendModern({ app: a.app }, "server/discover", {})).status);
      statuses.push((await sendModern({ app: appB }, "server/discover", {})).status);
    }
    expect(statuses).toEqual([...Array(10).fill(200), 429, 429]);
  });
});

describe("readiness with the store", () => {
  if (!redisAvailable("readiness with the store")) return;

  test("/ready is 200 naming the store ok while Redis answers, and 503 with down [store] once it does not", async () => {
    const store = await connectRedisStore({ url: REDIS_URL!, keyPrefix: uniquePrefix("ready") });
    const t = await createTestApp({}, { sharedStore: store });
    try {
      const ready = await t.app.handle(new Request("http://127.0.0.1:5008/ready"));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: "ready", database: "ok", store: "ok" });
      // A closed connection answers nothing, as a Redis that went away does.
      store.close();
      const down = await t.app.handle(new Request("http://127.0.0.1:5008/ready"));
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: "unavailable", down: ["store"], database: "ok", store: "down" });
      // The rate limits fail open (MCP and sign-in) and a task lookup is a clear JSON-RPC error, not a hang.
      const listed = await sendModern({ app: t.app }, "server/discover", {});
      expect(listed.status).toBe(200);
      const lookup = await sendModern({ app: t.app }, "tasks/get", { taskId: crypto.randomUUID() }, WITH_TASKS);
      expect(lookup.body.error?.message).toContain("The task store is unavailable");
      const asTask = await sendModern({ app: t.app }, "tools/call", { name: "projects_create", arguments: { hostId: crypto.randomUUID(), gitUrl: "file:///r.git" } }, WITH_TASKS);
      expect(asTask.body.error?.message).toStartWith("The task store is unavailable, so tools/call projects_create as a task cannot be answered now");
      expect(await createSigninLimiter({ store }).attempt("127.0.0.1", "admin")).toEqual({ allowed: true });
    } finally {
      store.close();
      await t.db.close();
    }
  });
});
