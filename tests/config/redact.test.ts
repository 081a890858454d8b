import { expect, test } from "bun:test";
import { defaultConfig } from "../../src/config/defaults.ts";
import { redactUrl } from "../../src/config/errors.ts";
import { redactConfig } from "../../src/config/redact.ts";

test("secrets are replaced, the rest of each URL kept, the factory shown as [function]", () => {
  const config = {
    ...defaultConfig(false),
    MCP_JWT_SECRET: "jwt-secret-value-0123456789abcdef",
    SECRET_KEY: "cookie-secret",
    MCP_METRICS_TOKEN: "metrics-bearer-token",
    DATABASE_URL: "postgres://superset:p%40ss@db.example.com:5432/superset?sslmode=require",
    MCP_STORE_CONFIG: { enabled: true, CACHE_REDIS_URL: "rediss://:redis-pass@redis:6380/0", event_store_max_events: 100, event_store_ttl: 3600 },
    MCP_AUTH_FACTORY: () => ({ verify: async () => null }),
    AGENT_PRESETS: { aider: { command: "aider", args: [], promptTransport: "argv" as const, promptArgs: [], resumeArgs: [], env: { OPENAI_API_KEY: "sk-123" } } },
  };
  const redacted = redactConfig(config);
  expect(redacted.MCP_JWT_SECRET).toBe("[redacted]");
  expect(redacted.SECRET_KEY).toBe("[redacted]");
  expect(redacted.MCP_METRICS_TOKEN).toBe("[redacted]");
  expect(redacted.DATABASE_URL).toBe("postgres://superset:[redacted]@db.example.com:5432/superset?sslmode=require");
  expect((redacted.MCP_STORE_CONFIG as { CACHE_REDIS_URL: string }).CACHE_REDIS_URL).toBe("rediss://:[redacted]@redis:6380/0");
  expect(redacted.MCP_AUTH_FACTORY).toBe("[function]");
  expect(redacted.AGENT_PRESETS).toEqual({ aider: { ...config.AGENT_PRESETS.aider, env: { OPENAI_API_KEY: "[redacted]" } } });
  const json = JSON.stringify(redacted);
  for (const secret of ["jwt-secret-value", "cookie-secret", "metrics-bearer-token", "p%40ss", "redis-pass", "sk-123"]) expect(json).not.toContain(secret);
  // The input is left alone: the server keeps running with the real values.
  expect(config.MCP_JWT_SECRET).toBe("jwt-secret-value-0123456789abcdef");
  expect(config.AGENT_PRESETS.aider.env.OPENAI_API_KEY).toBe("sk-123");
});

test("unset secrets stay null and everything else is unchanged", () => {
  const config = defaultConfig(false);
  const redacted = redactConfig(config);
  expect(redacted).toEqual({ ...config, MCP_AUTH_FACTORY: null });
  expect(JSON.parse(JSON.stringify(redacted))).toEqual(redacted);
});

test("redactUrl only touches a password", () => {
  expect(redactUrl("sqlite://./data/superset.db")).toBe("sqlite://./data/superset.db");
  expect(redactUrl("postgres://superset@db/superset")).toBe("postgres://superset@db/superset");
  expect(redactUrl("postgres://db:5432/superset")).toBe("postgres://db:5432/superset");
  expect(redactUrl("postgres://u:a@b/c@db/superset")).toBe("postgres://u:[redacted]@db/superset");
  expect(redactUrl("redis://:pw@localhost:6379")).toBe("redis://:[redacted]@localhost:6379");
});
