/**
 * The keys under one prefix in a Redis, found with SCAN so a large Redis is not blocked: for
 * suites that clean up after themselves and for the benchmark (no bun:test here, so a script can
 * import it).
 */
import type { RedisClient } from "bun";

/** Deletes every key under `prefix:` (SCAN, so a large Redis is not blocked). */
export async function deleteKeys(client: RedisClient, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = (await client.send("SCAN", [cursor, "MATCH", `${prefix}:*`, "COUNT", "1000"])) as [string, string[]];
    if (keys.length) await client.send("DEL", keys);
    cursor = next;
  } while (cursor !== "0");
}

/** The keys under `prefix:`, sorted. */
export async function keysUnder(client: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = (await client.send("SCAN", [cursor, "MATCH", `${prefix}:*`, "COUNT", "1000"])) as [string, string[]];
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found.sort();
}
