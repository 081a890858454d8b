/**
 * A Redis that goes away while the server runs: commands fail at once with a StoreError (no queue,
 * no hang), ping fails, and once Redis is back the client reconnects by itself. Runs a Redis of
 * its own (redis-server from Debian) on a free port, so stopping it disturbs no other test.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { connectRedisStore, type RedisStore } from "../../src/store/redis.ts";
import { StoreError } from "../../src/store/types.ts";
import { eventually } from "../helpers/eventually.ts";
import { hasRedisServer, REDIS_SERVER, startPrivateRedis, type PrivateRedis } from "../helpers/redis-server.ts";

describe("the Redis store across a Redis restart", () => {
  if (!hasRedisServer()) {
    if (process.env.CI) test("redis-server is required when CI is set", () => expect(hasRedisServer(), `${REDIS_SERVER} is missing`).toBe(true));
    else test.skip("the Redis store across a Redis restart (redis-server not installed: apt-get install redis-server)", () => {});
    return;
  }
  let redis: PrivateRedis | undefined;
  let store: RedisStore | undefined;
  afterAll(async () => {
    store?.close();
    await redis?.dispose();
  });

  test("commands fail fast while it is down and succeed again once it is back, without a new store", async () => {
    redis = await startPrivateRedis();
    store = await connectRedisStore({ url: redis.url, keyPrefix: "restart" });
    await store.set("k", "v", 60);
    expect(await store.get("k")).toBe("v");

    await redis.stop();
    await eventually("a command to fail", () =>
      store!.get("k").then(
        () => false,
        (error) => error instanceof StoreError,
      ),
    );
    await expect(store.ping(500)).rejects.toThrow(StoreError);
    await expect(store.increment("n", 60)).rejects.toThrow(StoreError);

    await redis.start();
    // The client's backoff brings the connection back; nothing in the store is recreated.
    await eventually(
      "the store to reconnect",
      () =>
        store!.ping(500).then(
          () => true,
          () => false,
        ),
      30_000,
    );
    expect(await store.increment("n", 60)).toBe(1);
  });

  test("a subscription is made again after the reconnection: a message published then arrives, once", async () => {
    const own = await startPrivateRedis();
    const subscriberStore = await connectRedisStore({ url: own.url, keyPrefix: "resubscribe" });
    const received: string[] = [];
    try {
      await subscriberStore.subscribe("signals", (message) => received.push(message));
      await own.stop();
      await own.start();
      const publisher = await connectRedisStore({ url: own.url, keyPrefix: "resubscribe" });
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
      await own.dispose();
    }
  });
});
