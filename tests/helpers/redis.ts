/**
 * Redis for tests: TEST_REDIS_URL names a server. Each suite takes a unique key prefix and deletes
 * its keys afterwards, so suites sharing one Redis never see each other's keys. Without
 * TEST_REDIS_URL a suite is one skipped test saying so, or, when CI is set, a failing one.
 */
import { RedisClient, type Subprocess } from "bun";
import { test } from "bun:test";
import { eventually } from "./eventually.ts";

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

/** redis-server from Debian, for tests that stop and start a Redis of their own; null when not installed. */
export const REDIS_SERVER = Bun.which("redis-server");

/** A redis-server on `port` without persistence (working dir `dir`), answering PING. */
export async function startRedis(port: number, dir: string): Promise<Subprocess> {
  const child = Bun.spawn([REDIS_SERVER!, "--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir], { stdout: "ignore", stderr: "ignore" });
  const probe = () => Bun.spawnSync(["redis-cli", "-h", "127.0.0.1", "-p", String(port), "ping"]).stdout.toString().trim() === "PONG";
  await eventually(`redis-server on port ${port}`, probe);
  return child;
}
