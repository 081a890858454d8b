import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { defaultConfig } from "../../src/config/defaults.ts";
import { ConfigError, loadConfig, publicBaseUrl } from "../../src/config/load.ts";
import { tempDir, writeConfig, writeObjectConfig } from "./fixtures.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

describe("defaults", () => {
  test("without a file every key has its documented default", async () => {
    const { config, path } = await loadConfig({ env: {}, cwd: tempDir() });
    expect(path).toBeNull();
    expect(config).toEqual(defaultConfig());
    expect(config.MCP_SERVICE_HOST).toBe("localhost");
    expect(config.MCP_SERVICE_PORT).toBe(5008);
    expect(config.MCP_SERVICE_URL).toBeNull();
    expect(config.MCP_AUTH_ENABLED).toBe(false);
    expect(config.MCP_JWT_ALGORITHM).toBe("RS256");
    expect(config.MCP_RESPONSE_SIZE_CONFIG).toEqual({ enabled: true, token_limit: 25000, warn_threshold_pct: 80, excluded_tools: ["health_check"] });
    expect(config.MCP_CACHE_CONFIG.max_item_size).toBe(1048576);
    expect(config.MCP_CACHE_CONFIG.CACHE_KEY_PREFIX).toBeNull();
    expect(config.MCP_STORE_CONFIG).toEqual({ enabled: false, CACHE_REDIS_URL: null, event_store_max_events: 100, event_store_ttl: 3600 });
    expect(config.MCP_SESSION_CONFIG.SESSION_COOKIE_NAME).toBe("superset_session");
    expect(config.MCP_CSRF_CONFIG).toEqual({ WTF_CSRF_ENABLED: true, WTF_CSRF_TIME_LIMIT: null });
    expect(config.DATABASE_URL).toBe("sqlite://./data/superset.db");
    expect(config.MCP_RATE_LIMIT).toEqual({ enabled: true, requests: 600, window_seconds: 60 });
    expect(config.MCP_SESSION_MODE).toBe("stateful");
    expect(config.MCP_SESSION_IDLE_TIMEOUT_SECONDS).toBe(3600);
    expect(config.MCP_MAX_SESSIONS_PER_PRINCIPAL).toBe(100);
    expect(config.HOST_COMMAND_TIMEOUT).toBe(120);
    expect(config.MCP_SHUTDOWN_TIMEOUT_SECONDS).toBe(30);
    expect(config.MCP_MAX_REQUEST_BYTES).toBe(4 * 1024 * 1024);
    expect(Object.keys(config.AGENT_PRESETS).sort()).toEqual(["amp", "claude", "codex", "copilot", "cursor-agent", "gemini", "opencode"]);
    expect(config.AGENT_PRESETS.amp!.promptTransport).toBe("stdin");
  });

  test("LOG_FORMAT is text on a terminal and json otherwise", () => {
    expect(defaultConfig(true).LOG_FORMAT).toBe("text");
    expect(defaultConfig(false).LOG_FORMAT).toBe("json");
  });

  test("each call returns a fresh copy", () => {
    const first = defaultConfig();
    first.MCP_RESPONSE_SIZE_CONFIG.excluded_tools.push("x");
    expect(defaultConfig().MCP_RESPONSE_SIZE_CONFIG.excluded_tools).toEqual(["health_check"]);
  });
});

describe("config file", () => {
  test("deep merge keeps sibling sub-keys of a dictionary", async () => {
    const path = writeObjectConfig({ MCP_RESPONSE_SIZE_CONFIG: { token_limit: 1000 }, MCP_RATE_LIMIT: { requests: 5 } });
    const { config } = await loadConfig({ path, env: {} });
    expect(config.MCP_RESPONSE_SIZE_CONFIG).toEqual({ enabled: true, token_limit: 1000, warn_threshold_pct: 80, excluded_tools: ["health_check"] });
    expect(config.MCP_RATE_LIMIT).toEqual({ enabled: true, requests: 5, window_seconds: 60 });
  });

  test("lists replace the default list, undefined values fall back to the default", async () => {
    const path = writeConfig(`export default { MCP_RESPONSE_SIZE_CONFIG: { excluded_tools: [] }, MCP_JWT_SECRET: undefined, MCP_SERVICE_PORT: undefined };`);
    const { config } = await loadConfig({ path, env: {} });
    expect(config.MCP_RESPONSE_SIZE_CONFIG.excluded_tools).toEqual([]);
    expect(config.MCP_JWT_SECRET).toBeNull();
    expect(config.MCP_SERVICE_PORT).toBe(5008);
  });

  test("AGENT_PRESETS adds presets and replaces a built-in one whole, filling optional fields", async () => {
    const path = writeObjectConfig({ AGENT_PRESETS: { claude: { command: "my-claude" }, aider: { command: "aider", args: ["--yes"], promptTransport: "stdin" } } });
    const { config } = await loadConfig({ path, env: {} });
    expect(config.AGENT_PRESETS.claude).toEqual({ command: "my-claude", args: [], promptTransport: "argv", promptArgs: [], resumeArgs: [], env: {} });
    expect(config.AGENT_PRESETS.aider!.args).toEqual(["--yes"]);
    expect(config.AGENT_PRESETS.codex!.command).toBe("codex");
  });

  test("MCP_AUTH_FACTORY keeps the function", async () => {
    const path = writeConfig(`export default { MCP_AUTH_FACTORY: (ctx) => ({ verify: async () => null }) };`);
    const { config } = await loadConfig({ path, env: {} });
    expect(typeof config.MCP_AUTH_FACTORY).toBe("function");
  });

  test("path order: --config, then SUPERSET_CONFIG_PATH, then <cwd>/config.ts", async () => {
    const flagFile = writeObjectConfig({ MCP_SERVICE_PORT: 1001 });
    const envFile = writeObjectConfig({ MCP_SERVICE_PORT: 1002 });
    const cwd = tempDir();
    writeFileSync(join(cwd, "config.ts"), "export default { MCP_SERVICE_PORT: 1003 };");
    const both = await loadConfig({ path: flagFile, env: { SUPERSET_CONFIG_PATH: envFile }, cwd });
    expect([both.path, both.config.MCP_SERVICE_PORT]).toEqual([flagFile, 1001]);
    const fromEnv = await loadConfig({ env: { SUPERSET_CONFIG_PATH: envFile }, cwd });
    expect([fromEnv.path, fromEnv.config.MCP_SERVICE_PORT]).toEqual([envFile, 1002]);
    const fromCwd = await loadConfig({ env: {}, cwd });
    expect([fromCwd.path, fromCwd.config.MCP_SERVICE_PORT]).toEqual([join(cwd, "config.ts"), 1003]);
  });

  test("a relative --config path is resolved against cwd", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "prod.ts"), "export default { MCP_SERVICE_PORT: 7000 };");
    const { config, path } = await loadConfig({ path: "prod.ts", env: {}, cwd });
    expect(path).toBe(join(cwd, "prod.ts"));
    expect(config.MCP_SERVICE_PORT).toBe(7000);
  });

  test("a type-only import is erased, so the file needs no package at run time", async () => {
    const path = writeConfig(
      `import type { SupersetConfig } from "superset-mcp/config";\nimport type { Nope } from "./does-not-exist.ts";\n` +
        `const port: number = 6000;\nexport default { MCP_SERVICE_PORT: port } satisfies SupersetConfig;\n`,
    );
    const { config } = await loadConfig({ path, env: {} });
    expect(config.MCP_SERVICE_PORT).toBe(6000);
  });
});

describe("file errors", () => {
  test("a given path that does not exist", async () => {
    const missing = join(tempDir(), "nope.ts");
    await expect(loadConfig({ path: missing, env: {} })).rejects.toThrow(new ConfigError(missing, "the file does not exist (given by --config)."));
    await expect(loadConfig({ env: { SUPERSET_CONFIG_PATH: missing } })).rejects.toThrow(`Config error in ${missing}: the file does not exist (given by SUPERSET_CONFIG_PATH).`);
  });

  test("a syntax error names the file and the position", async () => {
    const path = writeConfig("export default { MCP_SERVICE_PORT: 5008,, };\n");
    const error = await loadConfig({ path, env: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe("ConfigError");
    expect(error.message).toBe(`Config error in ${path}: the file could not be loaded: Expected identifier but found "," (line 1, column 41).`);
  });

  test("a file that throws names the file and the error", async () => {
    const path = writeConfig(`throw new Error("no vault token");\nexport default {};\n`);
    await expect(loadConfig({ path, env: {} })).rejects.toThrow(`Config error in ${path}: the file could not be loaded: no vault token.`);
  });

  test("a file without a default object export", async () => {
    const path = writeConfig(`export const MCP_SERVICE_PORT = 1;\n`);
    await expect(loadConfig({ path, env: {} })).rejects.toThrow(`Config error in ${path}: the file must \`export default { … }\` a config object (found no default export).`);
    const arrayPath = writeConfig(`export default [1];\n`);
    await expect(loadConfig({ path: arrayPath, env: {} })).rejects.toThrow("(found a default export of type array).");
  });
});

describe("publicBaseUrl", () => {
  test("MCP_SERVICE_URL wins, without its trailing slash", () => {
    expect(publicBaseUrl({ MCP_SERVICE_URL: "https://superset.example.com/mcp/", MCP_SERVICE_HOST: "x", MCP_SERVICE_PORT: 1 })).toBe("https://superset.example.com/mcp");
  });

  test("else http://<host>:<port>, with brackets for IPv6", () => {
    expect(publicBaseUrl({ MCP_SERVICE_URL: null, MCP_SERVICE_HOST: "127.0.0.1", MCP_SERVICE_PORT: 5008 })).toBe("http://127.0.0.1:5008");
    expect(publicBaseUrl({ MCP_SERVICE_URL: null, MCP_SERVICE_HOST: "::1", MCP_SERVICE_PORT: 5008 })).toBe("http://[::1]:5008");
  });
});

describe("relative SQLite paths", () => {
  /** Loads `config` written as <folder>/config.ts while the current directory is another folder; both removed afterwards. */
  async function loadedFromElsewhere(config: Record<string, unknown>, env: Record<string, string> = {}) {
    const path = writeObjectConfig(config);
    const cwd = tempDir();
    try {
      return { folder: dirname(path), cwd, ...(await loadConfig({ path, env, cwd })) };
    } finally {
      for (const dir of [dirname(path), cwd]) rmSync(dir, { recursive: true, force: true });
    }
  }

  test("a relative path in the config file resolves against the file's folder, not the current directory", async () => {
    const { config, folder, baseDir } = await loadedFromElsewhere({ DATABASE_URL: "sqlite://./db/superset.db" });
    expect(config.DATABASE_URL).toBe(`sqlite://${join(folder, "db/superset.db")}`);
    expect(baseDir).toBe(folder);
  });

  test("so does the default, which the file left in place", async () => {
    const { config, folder } = await loadedFromElsewhere({ MCP_DEV_USERNAME: "admin" });
    expect(config.DATABASE_URL).toBe(`sqlite://${join(folder, "data/superset.db")}`);
  });

  test("absolute paths, :memory: and PostgreSQL URLs are kept", async () => {
    expect((await loadedFromElsewhere({ DATABASE_URL: "sqlite:///srv/superset/superset.db" })).config.DATABASE_URL).toBe("sqlite:///srv/superset/superset.db");
    expect((await loadedFromElsewhere({ DATABASE_URL: "sqlite://:memory:" })).config.DATABASE_URL).toBe("sqlite://:memory:");
    expect((await loadedFromElsewhere({ DATABASE_URL: "postgres://u@db/superset" })).config.DATABASE_URL).toBe("postgres://u@db/superset");
  });

  test("a relative path from the environment stays relative to the current directory, where it was typed", async () => {
    const { config } = await loadedFromElsewhere({ MCP_DEV_USERNAME: "admin" }, { DATABASE_URL: "sqlite://./env.db" });
    expect(config.DATABASE_URL).toBe("sqlite://./env.db");
  });

  test("without a config file the path stays relative to the current directory", async () => {
    const cwd = tempDir();
    try {
      const { config, baseDir } = await loadConfig({ env: {}, cwd });
      expect(config.DATABASE_URL).toBe("sqlite://./data/superset.db");
      expect(baseDir).toBe(cwd);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
