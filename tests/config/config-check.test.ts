import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir, writeConfig, writeObjectConfig } from "./fixtures.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

const ROOT = join(import.meta.dir, "..", "..");

/** Runs `superset config check` in a fresh directory with a minimal environment (no config leaks in). */
async function configCheck(args: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn([process.execPath, join(ROOT, "src/main.ts"), "config", "check", ...args], {
    cwd: tempDir(),
    env: { PATH: process.env.PATH ?? "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

function printedConfig(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.slice(stdout.indexOf("{")));
}

describe("superset config check", () => {
  test("a valid dev config: path, public URL and effective config on stdout, exit 0", async () => {
    const path = writeObjectConfig({ MCP_DEV_USERNAME: "admin", MCP_SERVICE_HOST: "127.0.0.1", MCP_RESPONSE_SIZE_CONFIG: { token_limit: 1000 } });
    const { stdout, stderr, code } = await configCheck(["--config", path]);
    expect(code).toBe(0);
    expect(stdout.split("\n").slice(0, 2)).toEqual([`Config file: ${path}`, "Public URL: http://127.0.0.1:5008"]);
    const printed = printedConfig(stdout);
    expect(printed.MCP_DEV_USERNAME).toBe("admin");
    expect(printed.MCP_RESPONSE_SIZE_CONFIG).toEqual({ enabled: true, token_limit: 1000, warn_threshold_pct: 80, excluded_tools: ["health_check"] });
    expect(printed.LOG_FORMAT).toBe("json");
    expect(stderr).toBe("Configuration OK.\n");
  });

  test("secrets are redacted and start-up warnings go to stderr", async () => {
    const path = writeConfig(`export default {
      MCP_AUTH_ENABLED: true,
      SECRET_KEY: "super-secret-cookie-key-0123456789",
      MCP_JWT_ALGORITHM: "HS256",
      MCP_JWT_SECRET: process.env.TEST_JWT_SECRET,
      DATABASE_URL: "postgres://superset:dbpass@db/superset",
    };`);
    const { stdout, stderr, code } = await configCheck(["--config", path], { TEST_JWT_SECRET: "jwt-secret-0123456789abcdef-0123456789" });
    expect(code).toBe(0);
    const printed = printedConfig(stdout);
    expect(printed.MCP_JWT_SECRET).toBe("[redacted]");
    expect(printed.SECRET_KEY).toBe("[redacted]");
    expect(printed.DATABASE_URL).toBe("postgres://superset:[redacted]@db/superset");
    for (const secret of ["super-secret-cookie", "jwt-secret-0123", "dbpass"]) expect(stdout + stderr).not.toContain(secret);
    expect(stderr).toContain("Warning: MCP_JWT_ISSUER is not set");
    // The audience rule (RFC 8707): without MCP_JWT_AUDIENCE the public MCP URL is required, and the operator is told what to set.
    expect(stderr).toContain('Warning: MCP_JWT_AUDIENCE is not set, so external JWTs must carry aud "http://localhost:5008/mcp", this server\'s resource URI');
    expect(stderr).toContain("or set MCP_JWT_AUDIENCE to the audience its tokens carry");
  });

  test("with MCP_JWT_AUDIENCE set, config check notes the audience external JWTs must carry", async () => {
    const path = writeObjectConfig({
      MCP_AUTH_ENABLED: true,
      MCP_SERVICE_URL: "https://mcp.example.com",
      SECRET_KEY: "k".repeat(40),
      MCP_JWT_ALGORITHM: "HS256",
      MCP_JWT_SECRET: "s".repeat(40),
      MCP_JWT_ISSUER: "https://idp.example",
      MCP_JWT_AUDIENCE: ["api://superset", "superset-mcp"],
    });
    const { stderr, code } = await configCheck(["--config", path]);
    expect(code).toBe(0);
    expect(stderr).toBe('Note: External JWTs must carry aud "api://superset" or "superset-mcp" (MCP_JWT_AUDIENCE).\nConfiguration OK.\n');
  });

  test("an authenticated server whose public URL is plain http on a public host is warned about", async () => {
    const path = writeObjectConfig({ MCP_AUTH_ENABLED: true, SECRET_KEY: "k".repeat(48), MCP_SERVICE_HOST: "0.0.0.0", MCP_SERVICE_URL: "http://mcp.example.com" });
    const { stderr, code } = await configCheck(["--config", path]);
    expect(code).toBe(0);
    expect(stderr).toContain(
      "Warning: The public URL http://mcp.example.com (MCP_SERVICE_URL, or http://MCP_SERVICE_HOST:MCP_SERVICE_PORT when unset) uses plain http:// on a host that is not loopback",
    );
    expect(stderr).toEndWith("Configuration OK.\n");
  });

  test("start-up problems: printed to stderr, exit 1", async () => {
    const path = writeObjectConfig({ MCP_JWT_ALGORITHM: "HS256", MCP_JWT_SECRET: "short" });
    const { stdout, stderr, code } = await configCheck(["--config", path]);
    expect(code).toBe(1);
    expect(stdout).toStartWith(`Config file: ${path}\n`);
    expect(stderr).toBe(
      [
        "Error: MCP_DEV_USERNAME is not set while MCP_AUTH_ENABLED is false: set MCP_DEV_USERNAME to the user that requests without a credential run as, or set MCP_AUTH_ENABLED to true.",
        "Error: MCP_JWT_SECRET is 5 bytes long but HS256 needs at least 32: generate one with `openssl rand -base64 48`.",
        "The server would refuse to start: 2 problems.",
        "",
      ].join("\n"),
    );
  });

  test("a config error: its one sentence on stderr, no stack, nothing on stdout, exit 1", async () => {
    const path = writeObjectConfig({ MCP_JWT_ISSUR: "https://idp.example.com" });
    const { stdout, stderr, code } = await configCheck(["--config", path]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(`Config error in ${path}: unknown key "MCP_JWT_ISSUR"; did you mean "MCP_JWT_ISSUER"?\n`);
  });

  test("an environment override is applied and a bad one refused", async () => {
    const path = writeObjectConfig({ MCP_DEV_USERNAME: "admin" });
    const good = await configCheck([], { SUPERSET_CONFIG_PATH: path, MCP_SERVICE_PORT: "6001" });
    expect(good.code).toBe(0);
    expect(printedConfig(good.stdout).MCP_SERVICE_PORT).toBe(6001);
    const bad = await configCheck(["--config", path], { MCP_SERVICE_PORT: "six" });
    expect([bad.code, bad.stderr]).toEqual([1, 'Config error in the environment: MCP_SERVICE_PORT must be an integer (got "six").\n']);
  });

  test("a missing config file", async () => {
    const missing = join(tempDir(), "missing.ts");
    const { stderr, code } = await configCheck(["--config", missing]);
    expect([code, stderr]).toEqual([1, `Config error in ${missing}: the file does not exist (given by --config).\n`]);
  });

  test("no file at all: defaults, which refuse to start without a dev user", async () => {
    const { stdout, stderr, code } = await configCheck([]);
    expect(code).toBe(1);
    expect(stdout).toStartWith("Config file: none (defaults, environment and flags only)\nPublic URL: http://localhost:5008\n");
    expect(stderr).toStartWith("Error: MCP_DEV_USERNAME is not set");
  });
});
