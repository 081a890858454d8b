/**
 * A Redis that goes away while the server runs: commands fail at once with a StoreError (no queue,
 * no hang), ping fails, and once Redis is back the client reconnects by itself. Runs a Redis of
 * its own (redis-server from Debian) on a free port, so stopping it disturbs no other test.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { connectRedisStore, type RedisStore } from "../../src/store/redis.ts";
import { StoreError } from "../../src/store/types.ts";
import { freePort } from "../helpers/binary.ts";
import { eventually } from "../helpers/eventually.ts";
import { REDIS_SERVER, startRedis } from "../helpers/redis.ts";


describe("the Redis store across a Redis restart", () => {
  if (!REDIS_SERVER) {
    if (process.env.CI) test("redis-server is required when CI is set", () => expect(REDIS_SERVER).not.toBeNull());
    else test.skip("the Redis store across a Redis restart (redis-server not installed: apt-get install redis-server)", () => {});
    return;
  }
  let dir: string | undefined;
  let redis: Subprocess | undefined;
  let store: RedisStore | undefined;
  afterAll(async () => {
    store?.close();
    redis?.kill("SIGKILL");
    await redis?.exited;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("commands fail fast while it is down and succeed again once it is back, without a new store", async () => {
    dir = await mkdtemp(join(tmpdir(), "superset-redis-"));
    const port = freePort();
    redis = await startRedis(port, dir);
    store = await connectRedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: "restart" });
    await store.set("k", "v", 60);
    expect(await store.get("k")).toBe("v");

    redis.kill("SIGKILL");
    await redis.exited;
    await eventually("a command to fail", () => store!.get("k").then(() => false, (error) => error instanceof StoreError));
    await expect(store.ping(500)).rejects.toThrow(StoreError);
    await expect(store.increment("n", 60)).rejects.toThrow(StoreError);

    redis = await startRedis(port, dir);
    // The client's backoff brings the connection back; nothing in the store is recreated.
    await eventually("the store to reconnect", () => store!.ping(500).then(() => true, () => false), 30_000);
    expect(await store.increment("n", 60)).toBe(1);
  });

  test("a subscription is made again after the reconnection: a message published then arrives, once", async () => {
    const port = freePort();
    dir ??= await mkdtemp(join(tmpdir(), "superset-redis-"));
    const own = await startRedis(port, dir);
    const subscriberStore = await connectRedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: "resubscribe" });
    const received: string[] = [];
    let restarted: Subprocess | undefined;
    try {
      await subscriberStore.subscribe("signals", (message) => received.push(message));
      own.kill("SIGKILL");
      await own.exited;
      restarted = await startRedis(port, dir);
      const publisher = await connectRedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: "resubscribe" });
      try {
        // PUBLISH answers how many subscribers got it: 1 once the subscription is back.
        await eventually("the subscription to come back", async () => Number(await publisher.script("return redis.call('PUBLISH', KEYS[1], 'after')", ["signals"], [])) === 1, 30_000);
        await publisher.publish("signals", "last");
        await eventually("the last message", () => received.includes("last"));
        expect(received.filter((message) => message === "last")).toEqual(["last"]);
      } finally {
        publisher.close();
      }
    } finally {
      subscriberStore.close();
      restarted?.kill("SIGKILL");
      await restarted?.exited;
    }
  });
});
