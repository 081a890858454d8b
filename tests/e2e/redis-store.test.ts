/**
 * The built binary with MCP_STORE_CONFIG on: it starts against a reachable Redis and says so in
 * health_check and /ready, and refuses to start, with one sentence naming CACHE_REDIS_URL, when
 * nothing listens there.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createSandbox, freePort, plainLines, type Sandbox } from "../helpers/binary.ts";
import { REDIS_URL, deleteKeys, inspector, redisAvailable, uniquePrefix } from "../helpers/redis.ts";
import { sendModern } from "../helpers/modern-client.ts";

// The first test file to need the binary builds it.
setDefaultTimeout(120_000);

/** How long a refused start may take before it counts as having started (the connection is refused at once). */
const REFUSAL_DEADLINE_MS = 15_000;

const storeConfig = (url: string) => ({ enabled: true, CACHE_REDIS_URL: url, event_store_max_events: 100, event_store_ttl: 3600 });

describe("the binary with the Redis store", () => {
  if (!redisAvailable("the binary with the Redis store")) return;
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  afterAll(async () => {
    await sandbox?.dispose();
  });

  test("nothing listening at CACHE_REDIS_URL: the start is refused with one sentence naming it", async () => {
    const url = `redis://127.0.0.1:${freePort()}`;
    const path = await sandbox.writeConfig({ ...sandbox.baseConfig(), MCP_STORE_CONFIG: storeConfig(url) });
    const { exitCode, stderr, timedOut } = await sandbox.run(["mcp", "run", "--config", path], { timeoutMs: REFUSAL_DEADLINE_MS });
    expect(timedOut, stderr).toBe(false);
    expect(exitCode, stderr).not.toBe(0);
    const lines = plainLines(stderr);
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toStartWith(`Cannot reach the Redis of MCP_STORE_CONFIG.CACHE_REDIS_URL (${url}): `);
    expect(lines[0]).toContain("set MCP_STORE_CONFIG.enabled to false");
  });

  test("a reachable Redis: the server starts, health_check says redis and /ready names the store ok", async () => {
    const prefix = uniquePrefix("binary");
    const raw = await inspector();
    const server = await sandbox.start({
      config: { MCP_STORE_CONFIG: storeConfig(REDIS_URL!), MCP_CACHE_CONFIG: { CACHE_KEY_PREFIX: prefix }, MCP_RATE_LIMIT: { enabled: true, requests: 100, window_seconds: 60 } },
    });
    try {
      const baseUrl = server.url.replace(/\/mcp$/, "");
      const ready = await fetch(`${baseUrl}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: "ready", database: "ok", store: "ok" });
      const health = await sendModern({ baseUrl }, "tools/call", { name: "health_check", arguments: {} });
      expect(health.body.result?.structuredContent).toMatchObject({ store: "redis" });
      // The rate limit counted in Redis, under the prefix.
      const keys = (await raw.send("KEYS", [`${prefix}:*`])) as string[];
      expect(keys.some((key) => key.startsWith(`${prefix}:rate-limit:`))).toBe(true);
    } finally {
      await server.stop();
      await deleteKeys(raw, prefix);
      raw.close();
    }
  });
});
