import { afterAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { tempDir, writeObjectConfig } from "./fixtures.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

// No config.ts there, so the repository's example config does not leak into these tests.
const cwd = tempDir();

describe("environment overrides", () => {
  test("scalar keys are converted by the key's type", async () => {
    const { config } = await loadConfig({
      cwd,
      env: {
        MCP_SERVICE_PORT: "6100",
        MCP_AUTH_ENABLED: "TRUE",
        MCP_DEBUG: "1",
        SCHEDULER_ENABLED: "0",
        MCP_OAUTH_ENABLED: "False",
        MCP_JWT_SECRET: "s".repeat(40),
        MCP_JWT_ALGORITHM: "HS512",
        MCP_JWT_AUDIENCE: "superset",
        LOG_FORMAT: "json",
        DATABASE_URL: "postgres://u:p@db/superset",
      },
    });
    expect(config.MCP_SERVICE_PORT).toBe(6100);
    expect(config.MCP_AUTH_ENABLED).toBe(true);
    expect(config.MCP_DEBUG).toBe(true);
    expect(config.SCHEDULER_ENABLED).toBe(false);
    expect(config.MCP_OAUTH_ENABLED).toBe(false);
    expect(config.MCP_JWT_SECRET).toBe("s".repeat(40));
    expect(config.MCP_JWT_ALGORITHM).toBe("HS512");
    expect(config.MCP_JWT_AUDIENCE).toBe("superset");
    expect(config.LOG_FORMAT).toBe("json");
    expect(config.DATABASE_URL).toBe("postgres://u:p@db/superset");
  });

  test("dictionaries, lists, empty and unrelated variables are ignored", async () => {
    const { config } = await loadConfig({
      cwd,
      env: { MCP_RATE_LIMIT: "{}", MCP_REQUIRED_SCOPES: "a,b", MCP_SERVICE_HOST: "", PATH: "/bin", mcp_service_port: "1" },
    });
    expect(config.MCP_RATE_LIMIT.requests).toBe(600);
    expect(config.MCP_REQUIRED_SCOPES).toEqual([]);
    expect(config.MCP_SERVICE_HOST).toBe("localhost");
    expect(config.MCP_SERVICE_PORT).toBe(5008);
  });

  test("precedence: defaults < file < environment < CLI overrides", async () => {
    const path = writeObjectConfig({ MCP_SERVICE_HOST: "file-host", MCP_SERVICE_PORT: 7001, MCP_DEBUG: false });
    const fileOnly = await loadConfig({ path, env: {} });
    expect([fileOnly.config.MCP_SERVICE_HOST, fileOnly.config.MCP_SERVICE_PORT]).toEqual(["file-host", 7001]);

    const withEnv = await loadConfig({ path, env: { MCP_SERVICE_PORT: "7002", MCP_DEBUG: "true" } });
    expect([withEnv.config.MCP_SERVICE_HOST, withEnv.config.MCP_SERVICE_PORT, withEnv.config.MCP_DEBUG]).toEqual(["file-host", 7002, true]);

    const withFlags = await loadConfig({ path, env: { MCP_SERVICE_PORT: "7002", MCP_DEBUG: "true" }, overrides: { MCP_SERVICE_PORT: 7003, MCP_SERVICE_HOST: undefined } });
    expect([withFlags.config.MCP_SERVICE_HOST, withFlags.config.MCP_SERVICE_PORT, withFlags.config.MCP_DEBUG]).toEqual(["file-host", 7003, true]);
  });

  test("CLI overrides of a dictionary are deep-merged too", async () => {
    const { config } = await loadConfig({ cwd, env: {}, overrides: { MCP_RATE_LIMIT: { enabled: false } as never } });
    expect(config.MCP_RATE_LIMIT).toEqual({ enabled: false, requests: 600, window_seconds: 60 });
  });
});

describe("bad environment values", () => {
  test("a non-integer names the variable", async () => {
    await expect(loadConfig({ cwd, env: { MCP_SERVICE_PORT: "abc" } })).rejects.toThrow('Config error in the environment: MCP_SERVICE_PORT must be an integer (got "abc").');
    await expect(loadConfig({ cwd, env: { RUN_TIMEOUT_SECONDS: "1.5" } })).rejects.toThrow('Config error in the environment: RUN_TIMEOUT_SECONDS must be an integer (got "1.5").');
  });

  test("a non-boolean names the variable", async () => {
    await expect(loadConfig({ cwd, env: { MCP_AUTH_ENABLED: "yes" } })).rejects.toThrow('Config error in the environment: MCP_AUTH_ENABLED must be true, false, 1 or 0 (got "yes").');
  });

  test("an integer out of range is blamed on the environment, not the file", async () => {
    const path = writeObjectConfig({ MCP_SERVICE_PORT: 5008 });
    await expect(loadConfig({ path, env: { MCP_SERVICE_PORT: "70000" } })).rejects.toThrow("Config error in the environment: MCP_SERVICE_PORT must be an integer between 1 and 65535 (got 70000).");
  });

  test("a value outside a fixed set", async () => {
    await expect(loadConfig({ cwd, env: { MCP_JWT_ALGORITHM: "none" } })).rejects.toThrow(
      'Config error in the environment: MCP_JWT_ALGORITHM must be one of "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512" (got "none").',
    );
  });

  test("a bad CLI override is blamed on the command line", async () => {
    await expect(loadConfig({ cwd, env: {}, overrides: { MCP_SERVICE_PORT: 0 } })).rejects.toThrow(
      "Config error in the command line: MCP_SERVICE_PORT must be an integer between 1 and 65535 (got 0).",
    );
  });
});
