/**
 * Redis for tests: TEST_REDIS_URL names a server. Each suite takes a unique key prefix and deletes
 * its keys afterwards, so suites sharing one Redis never see each other's keys. Without
 * TEST_REDIS_URL a suite is one skipped test saying so, or, when CI is set, a failing one.
 */
import { RedisClient } from "bun";
import { test } from "bun:test";

export { deleteKeys, keysUnder } from "./redis-keys.ts";

/** TEST_REDIS_URL, or undefined when the Redis tests are to be skipped. */
export const REDIS_URL = process.env.TEST_REDIS_URL || undefined;

/**
 * Declares the skipped (or, under CI, failing) test when TEST_REDIS_URL is missing, and returns
 * whether the suite can run.
 */
export function redisAvailable(suite: string): boolean {
  if (REDIS_URL) return true;
  if (process.env.CI) {
    test(`${suite} (TEST_REDIS_URL is required when CI is set)`, () => {
      throw new Error("CI is set but TEST_REDIS_URL is not: set it to a Redis URL (e.g. redis://127.0.0.1:6379).");
    });
  } else {
    console.warn(`TEST_REDIS_URL is not set: the Redis tests of ${suite} are skipped.`);
    test.skip(`${suite} (TEST_REDIS_URL not set)`, () => {});
  }
  return false;
}

/** A fresh prefix no other test uses. */
export const uniquePrefix = (label: string) => `test-${label}-${crypto.randomUUID()}`;

/** A plain client on TEST_REDIS_URL, to look at keys as Redis holds them. */
export async function inspector(): Promise<RedisClient> {
  const client = new RedisClient(REDIS_URL!);
  await client.connect();
  return client;
}
