import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { defaultConfig } from "../../src/config/defaults.ts";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import { tempDir, writeConfig, writeObjectConfig } from "./fixtures.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

async function errorFor(config: Record<string, unknown>): Promise<{ path: string; message: string }> {
  const path = writeObjectConfig(config);
  const error = await loadConfig({ path, env: {} }).catch((e) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return { path, message: (error as Error).message };
}

describe("wrong types name the key and the file", () => {
  test("a port that is a string", async () => {
    const { path, message } = await errorFor({ MCP_SERVICE_PORT: "abc" });
    expect(message).toBe(`Config error in ${path}: MCP_SERVICE_PORT must be an integer between 1 and 65535 (got "abc").`);
  });

  test("a drain timeout out of bounds", async () => {
    for (const value of [0, 601, 2.5]) {
      const { path, message } = await errorFor({ MCP_SHUTDOWN_TIMEOUT_SECONDS: value });
      expect(message).toBe(`Config error in ${path}: MCP_SHUTDOWN_TIMEOUT_SECONDS must be an integer between 1 and 600 (got ${value}).`);
    }
  });

  test("session bounds out of range", async () => {
    for (const value of [59, 604801, 90.5, "1h"]) {
      const { path, message } = await errorFor({ MCP_SESSION_IDLE_TIMEOUT_SECONDS: value });
      expect(message).toBe(`Config error in ${path}: MCP_SESSION_IDLE_TIMEOUT_SECONDS must be an integer between 60 and 604800 (got ${JSON.stringify(value)}).`);
    }
    for (const value of [0, 10001, -1]) {
      const { path, message } = await errorFor({ MCP_MAX_SESSIONS_PER_PRINCIPAL: value });
      expect(message).toBe(`Config error in ${path}: MCP_MAX_SESSIONS_PER_PRINCIPAL must be an integer between 1 and 10000 (got ${value}).`);
    }
  });

  test("a request body cap out of bounds", async () => {
    for (const value of [1000, 67_108_865, 4.5]) {
      const { path, message } = await errorFor({ MCP_MAX_REQUEST_BYTES: value });
      expect(message).toBe(`Config error in ${path}: MCP_MAX_REQUEST_BYTES must be an integer between 65536 and 67108864 (got ${value}).`);
    }
  });

  test("a boolean given as a string", async () => {
    const { path, message } = await errorFor({ MCP_AUTH_ENABLED: "true" });
    expect(message).toBe(`Config error in ${path}: MCP_AUTH_ENABLED must be true or false (got "true").`);
  });

  test("a sub-key of a dictionary", async () => {
    const { path, message } = await errorFor({ MCP_RESPONSE_SIZE_CONFIG: { warn_threshold_pct: 150 } });
    expect(message).toBe(`Config error in ${path}: MCP_RESPONSE_SIZE_CONFIG.warn_threshold_pct must be an integer between 0 and 100 (got 150).`);
  });

  test("an item of a list", async () => {
    const { path, message } = await errorFor({ MCP_DISABLED_TOOLS: ["tasks_list", 3] });
    expect(message).toBe(`Config error in ${path}: MCP_DISABLED_TOOLS[1] must be a string (got 3).`);
  });

  test("a dictionary given as a scalar", async () => {
    const { path, message } = await errorFor({ MCP_CACHE_CONFIG: true });
    expect(message).toBe(`Config error in ${path}: MCP_CACHE_CONFIG must be an object (got true).`);
  });

  test("an agent preset without a command", async () => {
    const { path, message } = await errorFor({ AGENT_PRESETS: { aider: { args: ["--yes"] } } });
    expect(message).toBe(`Config error in ${path}: AGENT_PRESETS.aider.command is required.`);
  });

  test("a database URL with an unknown scheme keeps its password out of the message", async () => {
    const { path, message } = await errorFor({ DATABASE_URL: "mysql://root:hunter2@db/superset" });
    expect(message).toBe(`Config error in ${path}: DATABASE_URL must be a URL starting with sqlite://, postgres://, postgresql:// (got "mysql://root:[redacted]@db/superset").`);
  });

  test("a secret of the wrong type is not echoed", async () => {
    const path = writeConfig(`export default { SECRET_KEY: "" };`);
    const error = await loadConfig({ path, env: {} }).catch((e) => e);
    expect(error.message).toBe(`Config error in ${path}: SECRET_KEY must be a non-empty string (got a string, not shown).`);
  });

  test("MCP_SERVICE_URL must be http(s)", async () => {
    const { path, message } = await errorFor({ MCP_SERVICE_URL: "superset.example.com" });
    expect(message).toBe(`Config error in ${path}: MCP_SERVICE_URL must be an http:// or https:// URL or null (got "superset.example.com").`);
  });

  test("MCP_AUTH_FACTORY must be a function", async () => {
    const { path, message } = await errorFor({ MCP_AUTH_FACTORY: "my.module:factory" });
    expect(message).toBe(`Config error in ${path}: MCP_AUTH_FACTORY must be a function or null (got "my.module:factory").`);
  });

  test("null is accepted where Python has None", async () => {
    const path = writeObjectConfig({ MCP_JWT_ISSUER: null, MCP_CSRF_CONFIG: { WTF_CSRF_TIME_LIMIT: null }, MCP_JWT_AUDIENCE: ["a", "b"] });
    const { config } = await loadConfig({ path, env: {} });
    expect(config.MCP_JWT_ISSUER).toBeNull();
    expect(config.MCP_JWT_AUDIENCE).toEqual(["a", "b"]);
  });
});

describe("unknown keys", () => {
  test("a typo of a top-level key gets a suggestion", async () => {
    const { path, message } = await errorFor({ MCP_JWT_ISSUR: "https://idp" });
    expect(message).toBe(`Config error in ${path}: unknown key "MCP_JWT_ISSUR"; did you mean "MCP_JWT_ISSUER"?`);
  });

  test("a key in the wrong case gets a suggestion", async () => {
    const { message } = await errorFor({ mcp_service_port: 1 });
    expect(message).toEndWith(`unknown key "mcp_service_port"; did you mean "MCP_SERVICE_PORT"?`);
  });

  test("a typo of a dictionary sub-key names the full path", async () => {
    const { path, message } = await errorFor({ MCP_RESPONSE_SIZE_CONFIG: { token_limt: 5 } });
    expect(message).toBe(`Config error in ${path}: unknown key "MCP_RESPONSE_SIZE_CONFIG.token_limt"; did you mean "MCP_RESPONSE_SIZE_CONFIG.token_limit"?`);
  });

  test("a typo inside an agent preset", async () => {
    const { message } = await errorFor({ AGENT_PRESETS: { aider: { command: "aider", promptTransprt: "stdin" } } });
    expect(message).toEndWith(`unknown key "AGENT_PRESETS.aider.promptTransprt"; did you mean "AGENT_PRESETS.aider.promptTransport"?`);
  });

  test("a key far from every known one gets no suggestion", async () => {
    const { path, message } = await errorFor({ FLASK_APP: "superset" });
    expect(message).toBe(`Config error in ${path}: unknown key "FLASK_APP".`);
  });

  test("an unknown key from the CLI overrides is blamed on the command line", async () => {
    const error = await loadConfig({ cwd: tempDir(), env: {}, overrides: { MCP_SERVICE_PROT: 1 } as never }).catch((e) => e);
    expect(error.message).toBe('Config error in the command line: unknown key "MCP_SERVICE_PROT"; did you mean "MCP_SERVICE_PORT"?');
  });
});

describe("MCP_TRUSTED_PROXIES", () => {
  /** The load error for `entries`, or null when they load; the file's folder is removed. */
  async function trustedProxiesError(entries: unknown): Promise<string | null> {
    const path = writeObjectConfig({ MCP_TRUSTED_PROXIES: entries });
    try {
      await loadConfig({ path, env: {} });
      return null;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message.replace(`Config error in ${path}: `, "");
    } finally {
      rmSync(dirname(path), { recursive: true, force: true });
    }
  }

  test("defaults to the loopback addresses", async () => {
    expect(defaultConfig(false).MCP_TRUSTED_PROXIES).toEqual(["127.0.0.0/8", "::1"]);
  });

  test("takes IPv4 and IPv6 addresses and CIDR ranges", async () => {
    expect(await trustedProxiesError(["10.0.0.5", "10.0.0.0/8", "fd00::/8", "::1", "2001:db8::1/128", "0.0.0.0/0"])).toBe(null);
  });

  test.each([
    ["a host name", ["nginx.internal"], '"nginx.internal"'],
    ["a prefix too long for IPv4", ["10.0.0.0/33"], '"10.0.0.0/33"'],
    ["a prefix too long for IPv6", ["fd00::/129"], '"fd00::/129"'],
    ["a prefix that is no number", ["10.0.0.0/x"], '"10.0.0.0/x"'],
    ["two slashes", ["10.0.0.0/8/8"], '"10.0.0.0/8/8"'],
    ["an empty entry", [""], '""'],
  ])("refuses %s with a sentence naming the key", async (_, entries, shown) => {
    expect(await trustedProxiesError(entries)).toBe(`MCP_TRUSTED_PROXIES[0] must be an IP address or a CIDR range such as "10.0.0.0/8" or "fd00::/8" (got ${shown}).`);
  });

  test("refuses a single string instead of a list", async () => {
    expect(await trustedProxiesError("127.0.0.1")).toBe('MCP_TRUSTED_PROXIES must be a list of IP addresses or CIDR ranges (got "127.0.0.1").');
  });
});
