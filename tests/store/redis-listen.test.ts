/**
 * subscriptions/listen across replicas: a task's change told on replica A reaches the listen
 * stream replica B holds, through Redis pub/sub, and only the stream of the task's owner that named
 * the task. Two registries with their own Redis connections stand for the two processes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connectRedisStore, type RedisStore } from "../../src/store/redis.ts";
import { redisBroadcast } from "../../src/store/broadcast.ts";
import { ListenRegistry } from "../../src/mcp/listen.ts";
import { ModernStream } from "../../src/mcp/modern-sse.ts";
import { META_SUBSCRIPTION_ID } from "../../src/mcp/envelope.ts";
import { readSseEvents } from "../helpers/app.ts";
import { REDIS_URL, redisAvailable, uniquePrefix } from "../helpers/redis.ts";

describe("listen notifications across two replicas", () => {
  if (!redisAvailable("listen notifications across two replicas")) return;
  const prefix = uniquePrefix("listen");
  let storeA: RedisStore;
  let storeB: RedisStore;
  let a: ListenRegistry;
  let b: ListenRegistry;

  beforeAll(async () => {
    storeA = await connectRedisStore({ url: REDIS_URL!, keyPrefix: prefix });
    storeB = await connectRedisStore({ url: REDIS_URL!, keyPrefix: prefix });
    a = new ListenRegistry(redisBroadcast(storeA, "listen"));
    b = new ListenRegistry(redisBroadcast(storeB, "listen"));
    await Promise.all([a.ready(), b.ready()]);
  });
  afterAll(() => {
    storeA.close();
    storeB.close();
  });

  test("a task change told on A reaches the owner's stream on B that named the task, and no other", async () => {
    const taskId = crypto.randomUUID();
    const owners = new ModernStream();
    const strangers = new ModernStream();
    const otherTask = new ModernStream();
    b.add({ subscriptionId: "listen-1", principalKey: "owner", taskIds: new Set([taskId]), stream: owners });
    b.add({ subscriptionId: "listen-2", principalKey: "stranger", taskIds: new Set([taskId]), stream: strangers });
    b.add({ subscriptionId: "listen-3", principalKey: "owner", taskIds: new Set([crypto.randomUUID()]), stream: otherTask });
    await a.notifyTask("owner", taskId, { method: "notifications/tasks", params: { taskId, status: "completed" } });
    const [event] = await readSseEvents(owners.response, 1);
    expect(event?.data).toEqual({ jsonrpc: "2.0", method: "notifications/tasks", params: { taskId, status: "completed", _meta: { [META_SUBSCRIPTION_ID]: "listen-1" } } });
    // B hands one notice to all its streams at once: had the others matched, they would hold it by now.
    owners.end();
    strangers.end();
    otherTask.end();
    expect(await new Response(strangers.response.body).text()).toBe(": stream open\n\n");
    expect(await new Response(otherTask.response.body).text()).toBe(": stream open\n\n");
  });
});
