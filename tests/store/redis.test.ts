/** The Redis Store against a real Redis: the Store contract, the key prefix, TTLs and the bounded waits. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RedisClient } from "bun";
import { connectRedisStore, type RedisStore } from "../../src/store/redis.ts";
import { freePort } from "../helpers/binary.ts";
import { storeContract } from "./contract.ts";
import { REDIS_URL, deleteKeys, inspector, keysUnder, redisAvailable, uniquePrefix } from "../helpers/redis.ts";

describe("redis store", () => {
  if (!redisAvailable("redis store")) return;
  const prefix = uniquePrefix("store");
  let store: RedisStore;
  let raw: RedisClient;

  beforeAll(async () => {
    store = await connectRedisStore({ url: REDIS_URL!, keyPrefix: prefix });
    raw = await inspector();
  });
  afterAll(async () => {
    await deleteKeys(raw, prefix);
    store.close();
    raw.close();
  });

  storeContract(() => store);

  test("every key is stored under the prefix, with the TTL set gave", async () => {
    await store.set("b", "x", 120);
    expect(await keysUnder(raw, prefix)).toEqual([`${prefix}:b`]);
    const ttl = Number(await raw.send("TTL", [`${prefix}:b`]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120);
    await store.set("b", "y", 30);
    expect(Number(await raw.send("TTL", [`${prefix}:b`]))).toBeLessThanOrEqual(30);
    await store.delete("b");
  });

  test("increment counts from 1 and sets the TTL only when it creates the key", async () => {
    expect(await store.increment("n", 100)).toBe(1);
    // A shorter TTL given later does not move the expiry the creation set.
    expect(await store.increment("n", 5)).toBe(2);
    expect(await store.get("n")).toBe("2");
    expect(Number(await raw.send("TTL", [`${prefix}:n`]))).toBeGreaterThan(5);
    await store.delete("n");
    expect(await store.increment("n", 7)).toBe(1);
    expect(Number(await raw.send("TTL", [`${prefix}:n`]))).toBeLessThanOrEqual(7);
  });

  test("scripts still run after Redis forgets its script cache (restart, SCRIPT FLUSH)", async () => {
    // Scripts are sent by SHA1; a Redis without the script answers NOSCRIPT and the store resends
    // the source. Flushing the shared Redis's cache costs other users only that one resend.
    expect(await store.increment("f", 60)).toBe(1);
    await raw.send("SCRIPT", ["FLUSH"]);
    expect(await store.increment("f", 60)).toBe(2);
    expect(await store.script("return redis.call('GET', KEYS[1])", ["f"], [])).toBe("2");
    await raw.send("SCRIPT", ["FLUSH"]);
    expect(await store.script("return redis.call('GET', KEYS[1])", ["f"], [])).toBe("2");
    await store.delete("f");
  });

  test("concurrent increments are all counted, once each", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => store.increment("c", 60)));
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  test("two stores on one Redis with different prefixes never see each other's keys", async () => {
    const otherPrefix = uniquePrefix("other");
    const other = await connectRedisStore({ url: REDIS_URL!, keyPrefix: otherPrefix });
    try {
      await store.set("shared-name", "mine", 60);
      expect(await other.get("shared-name")).toBeNull();
      const same = await connectRedisStore({ url: REDIS_URL!, keyPrefix: prefix });
      expect(await same.get("shared-name")).toBe("mine");
      same.close();
    } finally {
      await deleteKeys(raw, otherPrefix);
      other.close();
    }
  });

  test("ping answers while Redis runs", async () => {
    await store.ping(1000);
  });

  test("a Redis that cannot be reached fails the connection with its reason, without hanging", async () => {
    const closed = `redis://127.0.0.1:${freePort()}`;
    await expect(connectRedisStore({ url: closed, keyPrefix: "unused", connectTimeoutMs: 2000 })).rejects.toThrow();
  });

  test("a URL that is not redis:// or rediss:// is refused", async () => {
    await expect(connectRedisStore({ url: "http://127.0.0.1:6379", keyPrefix: "p" })).rejects.toThrow("not a redis:// or rediss:// URL");
  });
});
