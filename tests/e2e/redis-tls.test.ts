/**
 * `rediss://` with real TLS: a private redis-server on a TLS port with a certificate from a
 * throwaway CA. The built binary trusts that CA through NODE_EXTRA_CA_CERTS and uses the store
 * over TLS; it refuses to start without the CA, and against a Redis whose certificate another CA
 * signed, with one sentence saying what to check.
 */
import { RedisClient } from "bun";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createSandbox, plainLines, type Sandbox } from "../helpers/binary.ts";
import { sendModern } from "../helpers/modern-client.ts";
import { makeCertificates, type TestCertificates } from "../helpers/nginx.ts";
import { hasRedisServer, REDIS_SERVER, startPrivateRedis, type PrivateRedis } from "../helpers/redis-server.ts";

// The first test file to need the binary builds it.
setDefaultTimeout(120_000);

const REFUSAL_DEADLINE_MS = 15_000;
const storeConfig = (url: string) => ({ MCP_STORE_CONFIG: { enabled: true, CACHE_REDIS_URL: url, event_store_max_events: 100, event_store_ttl: 3600 } });

describe.skipIf(!hasRedisServer() && !process.env.CI)("the Redis store over rediss://", () => {
  let sandbox: Sandbox;
  /** The CA the binary is told to trust, and one it is not. */
  let trusted: TestCertificates;
  let other: TestCertificates;
  /** Serving a certificate `trusted` signed, and one `other` signed. */
  let redis: PrivateRedis;
  let foreignRedis: PrivateRedis;

  beforeAll(async () => {
    expect(hasRedisServer(), `${REDIS_SERVER} is missing: CI must install redis-server`).toBe(true);
    [sandbox, trusted, other] = await Promise.all([createSandbox(), makeCertificates(), makeCertificates()]);
    redis = await startPrivateRedis({ certPath: trusted.certPath, keyPath: trusted.keyPath, caPath: trusted.caPath });
    foreignRedis = await startPrivateRedis({ certPath: other.certPath, keyPath: other.keyPath, caPath: other.caPath });
  });
  afterAll(async () => {
    await Promise.all([redis?.dispose(), foreignRedis?.dispose()]);
    await sandbox?.dispose();
    await Promise.all([trusted?.remove(), other?.remove()]);
  });

  /** `mcp run` that is expected to stop at start: its one plain sentence. */
  async function refusedStart(url: string, env: Record<string, string>): Promise<string> {
    const path = await sandbox.writeConfig({ ...sandbox.baseConfig(), ...storeConfig(url) });
    const { exitCode, stderr, timedOut } = await sandbox.run(["mcp", "run", "--config", path], { env, timeoutMs: REFUSAL_DEADLINE_MS });
    expect(timedOut, stderr).toBe(false);
    expect(exitCode, stderr).not.toBe(0);
    const lines = plainLines(stderr);
    expect(lines, stderr).toHaveLength(1);
    return lines[0]!;
  }

  test("with the CA in NODE_EXTRA_CA_CERTS the server starts, is ready and counts its rate limit in the TLS Redis", async () => {
    const server = await sandbox.start({ config: { ...storeConfig(redis.url), MCP_RATE_LIMIT: { enabled: true, requests: 100, window_seconds: 60 } }, env: { NODE_EXTRA_CA_CERTS: trusted.caPath } });
    try {
      const baseUrl = server.url.replace(/\/mcp$/, "");
      const ready = await fetch(`${baseUrl}/ready`);
      expect(await ready.json()).toEqual({ status: "ready", database: "ok", store: "ok" });
      const health = await sendModern({ baseUrl }, "tools/call", { name: "health_check", arguments: {} });
      expect(health.body.result?.structuredContent).toMatchObject({ store: "redis" });
      // Read back over TLS, trusting the same CA: the counter is there.
      const inspector = new RedisClient(redis.url, { tls: { ca: trusted.ca }, autoReconnect: false });
      try {
        await inspector.connect();
        const keys = (await inspector.send("KEYS", ["*rate-limit*"])) as string[];
        expect(keys.length).toBeGreaterThan(0);
      } finally {
        inspector.close();
      }
    } finally {
      await server.stop();
    }
  });

  test("without the CA the certificate does not verify: the start is refused, naming what to check", async () => {
    const line = await refusedStart(redis.url, {});
    expect(line).toStartWith(`Cannot reach the Redis of MCP_STORE_CONFIG.CACHE_REDIS_URL (${redis.url}): `);
    expect(line).toContain("with rediss://, Redis's certificate must match the URL's host name and be signed by a CA this machine trusts; NODE_EXTRA_CA_CERTS");
  });

  test("a Redis whose certificate another CA signed is refused even with NODE_EXTRA_CA_CERTS set", async () => {
    const line = await refusedStart(foreignRedis.url, { NODE_EXTRA_CA_CERTS: trusted.caPath });
    expect(line).toStartWith(`Cannot reach the Redis of MCP_STORE_CONFIG.CACHE_REDIS_URL (${foreignRedis.url}): `);
  });

  test("the same certificate under a name it does not carry is refused", async () => {
    // The certificate names superset.localhost, localhost and 127.0.0.1, not 127.0.0.2, where Redis listens too.
    const socket = await Bun.connect({ hostname: "127.0.0.2", port: redis.port, socket: { data() {} } });
    socket.end();
    const line = await refusedStart(`rediss://127.0.0.2:${redis.port}`, { NODE_EXTRA_CA_CERTS: trusted.caPath });
    expect(line).toStartWith("Cannot reach the Redis of MCP_STORE_CONFIG.CACHE_REDIS_URL (rediss://127.0.0.2:");
  });
});
