/**
 * `superset mcp-config list [DIR]`: what `superset connect --scope project` wrote for every client
 * with a project file, listed back with the key redacted, as a table or JSON; unreadable files
 * are warnings on stderr; a missing folder or extra arguments are refused with one sentence.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";

setDefaultTimeout(60_000);
afterAll(removeTempDirs);

const KEY = `sk_live_${"Q".repeat(43)}`;
const env = (home: string) => ({ HOME: home, BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" });

describe("superset mcp-config list", () => {
  test("lists what connect wrote into each client's project file, the key redacted", async () => {
    const home = tempDir("superset-mcp-config-home-");
    const project = tempDir("superset-mcp-config-project-");
    const clients = ["claude-code", "cursor", "codex", "gemini", "opencode", "amp"];
    for (const client of clients) {
      const result = await runCli(["connect", client, "--scope", "project", "--url", "https://superset.example.com/mcp", "--api-key", KEY], { cwd: project, env: env(home) });
      expect(result.code, result.stderr).toBe(0);
    }
    const listed = await runCli(["mcp-config", "list", project, "--json"], { env: env(home) });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain(KEY);
    const { servers, problems } = JSON.parse(listed.stdout) as { servers: Record<string, unknown>[]; problems: unknown[] };
    expect(problems).toEqual([]);
    expect(servers.map((server) => [server.file, server.name, server.transport, server.target, server.state])).toEqual(
      [".mcp.json", ".amp/settings.json", ".cursor/mcp.json", ".gemini/settings.json", "opencode.json", ".codex/config.toml"].map((file) => [
        file,
        "superset",
        "remote",
        "https://superset.example.com/mcp",
        "enabled",
      ]),
    );
    for (const server of servers) expect(server.headers).toEqual({ Authorization: "Bearer [redacted]" });
  });

  test("a table by default, the current folder without an argument, problems as warnings", async () => {
    const dir = tempDir("superset-mcp-config-");
    writeFileSync(join(dir, ".mcp.json"), JSON.stringify({ mcpServers: { docs: { command: "docs-server", args: ["--port", "1"] }, off: { url: "https://x.example/mcp", disabled: true } } }));
    mkdirSync(join(dir, ".cursor"));
    writeFileSync(join(dir, ".cursor/mcp.json"), "{ broken");
    symlinkSync("/etc/passwd", join(dir, "opencode.json"));
    const result = await runCli(["mcp-config", "list"], { cwd: dir, env: env(dir) });
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")[0]).toMatch(/^NAME\s+TRANSPORT\s+STATE\s+FILE\s+TARGET$/);
    expect(result.stdout).toMatch(/^docs\s+local\s+enabled\s+\.mcp\.json\s+docs-server --port 1$/m);
    expect(result.stdout).toMatch(/^off\s+remote\s+disabled \("disabled": true\)\s+\.mcp\.json\s+https:\/\/x\.example\/mcp$/m);
    expect(result.stderr).toContain("Warning: .cursor/mcp.json is not valid JSON");
    expect(result.stderr).toContain("Warning: opencode.json leads outside the folder through a symbolic link; not read.");
    expect(result.stdout + result.stderr).not.toContain("root:");
  });

  test("an empty folder says so", async () => {
    const dir = tempDir("superset-mcp-config-");
    const result = await runCli(["mcp-config", "list", dir], { env: env(dir) });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`No MCP servers configured in ${dir}.`);
  });

  test.each([
    ["a folder that does not exist", ["/nonexistent/superset-mcp-config"], /^The folder \/nonexistent\/superset-mcp-config does not exist\.$/],
    ["two folders", [".", ".."], /takes one folder/],
    ["a huge path", ["a".repeat(5000)], /at most 4096 characters/],
  ])("%s is refused", async (_what, args, message) => {
    const result = await runCli(["mcp-config", "list", ...args], { env: env(tempDir()) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(message);
  });
});
