/**
 * `superset connect <client>` as a user runs it, each time with a fresh HOME and project folder:
 * every client's file at its own path and in its own format, merged into what is there with a
 * backup and the file's mode kept, idempotent, and `--print` writing nothing. The refusals are in
 * connect-refusals.test.ts.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse as parseToml } from "smol-toml";
import * as v from "valibot";
import { claudeDesktopConfigPath } from "../../src/cli/connect/clients.ts";
import { CONNECT_KEY as KEY, CONNECT_URL as URL_, connectSetting as setting } from "../helpers/connect.ts";
import { ampConfigSchema, claudeDesktopConfigSchema, cursorConfigSchema } from "../helpers/client-config-schemas.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";

setDefaultTimeout(60_000);
afterAll(removeTempDirs);

describe("each client's own file", () => {
  const cases: [string, string[], (home: string, project: string) => string, (text: string) => unknown][] = [
    ["claude-code", [], (home) => join(home, ".claude.json"), (text) => JSON.parse(text).mcpServers.superset],
    ["claude-code", ["--scope", "project"], (_h, project) => join(project, ".mcp.json"), (text) => JSON.parse(text).mcpServers.superset],
    [
      "claude-desktop",
      [],
      (home) => claudeDesktopConfigPath({ home, env: { XDG_CONFIG_HOME: join(home, ".config") }, platform: process.platform, projectDir: "" }),
      (text) => JSON.parse(text).mcpServers.superset,
    ],
    ["cursor", [], (home) => join(home, ".cursor/mcp.json"), (text) => JSON.parse(text).mcpServers.superset],
    ["cursor", ["--scope", "project"], (_h, project) => join(project, ".cursor/mcp.json"), (text) => JSON.parse(text).mcpServers.superset],
    ["codex", [], (home) => join(home, ".codex/config.toml"), (text) => (parseToml(text) as any).mcp_servers.superset],
    ["codex", ["--scope", "project"], (_h, project) => join(project, ".codex/config.toml"), (text) => (parseToml(text) as any).mcp_servers.superset],
    ["gemini", [], (home) => join(home, ".gemini/settings.json"), (text) => JSON.parse(text).mcpServers.superset],
    ["gemini", ["--scope", "project"], (_h, project) => join(project, ".gemini/settings.json"), (text) => JSON.parse(text).mcpServers.superset],
    ["opencode", [], (home) => join(home, ".config/opencode/opencode.json"), (text) => JSON.parse(text).mcp.superset],
    ["opencode", ["--scope", "project"], (_h, project) => join(project, "opencode.json"), (text) => JSON.parse(text).mcp.superset],
    ["amp", [], (home) => join(home, ".config/amp/settings.json"), (text) => JSON.parse(text)["amp.mcpServers"].superset],
    ["amp", ["--scope", "project"], (_h, project) => join(project, ".amp/settings.json"), (text) => JSON.parse(text)["amp.mcpServers"].superset],
  ];
  const expected: Record<string, { oauth: unknown; key: unknown }> = {
    "claude-code": { oauth: { type: "http", url: URL_ }, key: { type: "http", url: URL_, headers: { Authorization: `Bearer ${KEY}` } } },
    "claude-desktop": { oauth: { type: "http", url: URL_ }, key: { command: "npx", args: ["-y", "mcp-remote", URL_, "--header", `Authorization: Bearer ${KEY}`] } },
    cursor: { oauth: { url: URL_ }, key: { url: URL_, headers: { Authorization: `Bearer ${KEY}` } } },
    codex: { oauth: { url: URL_ }, key: { url: URL_, http_headers: { Authorization: `Bearer ${KEY}` } } },
    gemini: { oauth: { httpUrl: URL_, oauth: { enabled: true } }, key: { httpUrl: URL_, headers: { Authorization: `Bearer ${KEY}` } } },
    opencode: { oauth: { type: "remote", url: URL_, enabled: true }, key: { type: "remote", url: URL_, enabled: true, headers: { Authorization: `Bearer ${KEY}` } } },
    amp: { oauth: { url: URL_ }, key: { url: URL_, headers: { Authorization: `Bearer ${KEY}` } } },
  };

  test.each(cases)("%s %p: OAuth, then an API key in its place, mode 0600 for a new file with a key", async (client, scope, pathOf, entryOf) => {
    const s = setting();
    const path = pathOf(s.home, s.project);
    const oauth = await s.connect(client, "--url", URL_, "--oauth", ...scope);
    expect(oauth.code, oauth.stderr).toBe(0);
    expect(oauth.stdout).toContain(path);
    expect(entryOf(s.read(path))).toEqual(expected[client]!.oauth);
    const keyed = await s.connect(client, "--url", URL_, "--api-key", KEY, ...scope);
    expect(keyed.code, keyed.stderr).toBe(0);
    expect(entryOf(s.read(path))).toEqual(expected[client]!.key);
    expect(s.backups(path)).toHaveLength(1);
    // The key never goes to the terminal.
    expect(keyed.stdout + keyed.stderr).not.toContain(KEY);
  });

  test.each(cases.filter(([, scope]) => scope.length === 0))("%s: a new file with an API key is mode 0600", async (client, scope, pathOf) => {
    const s = setting();
    expect((await s.connect(client, "--url", URL_, "--api-key", KEY, ...scope)).code).toBe(0);
    expect(statSync(pathOf(s.home, s.project)).mode & 0o777).toBe(0o600);
  });

  test("Cursor, Claude Desktop and Amp files follow their documented schema, with OAuth and with a key", async () => {
    for (const auth of [["--oauth"], ["--api-key", KEY]]) {
      const s = setting();
      for (const client of ["cursor", "claude-desktop", "amp"]) expect((await s.connect(client, "--url", URL_, ...auth)).code).toBe(0);
      const desktop = claudeDesktopConfigPath({ home: s.home, env: { XDG_CONFIG_HOME: join(s.home, ".config") }, platform: process.platform, projectDir: "" });
      expect(v.safeParse(cursorConfigSchema, JSON.parse(s.read(join(s.home, ".cursor/mcp.json")))).issues).toBeUndefined();
      expect(v.safeParse(claudeDesktopConfigSchema, JSON.parse(s.read(desktop))).issues).toBeUndefined();
      expect(v.safeParse(ampConfigSchema, JSON.parse(s.read(join(s.home, ".config/amp/settings.json")))).issues).toBeUndefined();
    }
  });

  test("Claude Desktop's file is where each OS keeps it", () => {
    const home = "/home/u";
    expect(claudeDesktopConfigPath({ home, env: {}, platform: "darwin", projectDir: "" })).toBe("/home/u/Library/Application Support/Claude/claude_desktop_config.json");
    expect(claudeDesktopConfigPath({ home, env: { APPDATA: "C:/Users/u/AppData/Roaming" }, platform: "win32", projectDir: "" })).toBe(
      join("C:/Users/u/AppData/Roaming", "Claude", "claude_desktop_config.json"),
    );
    expect(claudeDesktopConfigPath({ home, env: {}, platform: "linux", projectDir: "" })).toBe("/home/u/.config/Claude/claude_desktop_config.json");
    expect(claudeDesktopConfigPath({ home, env: { XDG_CONFIG_HOME: "/x" }, platform: "linux", projectDir: "" })).toBe("/x/Claude/claude_desktop_config.json");
  });
});

describe("merging into what is there", () => {
  test("other servers and keys stay, the indentation stays, the mode stays, a backup holds the old text", async () => {
    const s = setting();
    const path = join(s.home, ".claude.json");
    const original = JSON.stringify(
      {
        numStartups: 7,
        projects: { "/x": { allowedTools: ["a"] } },
        mcpServers: { other: { type: "stdio", command: "srv" }, superset: { type: "http", url: "https://old.example/mcp", timeout: 30 } },
      },
      null,
      4,
    );
    writeFileSync(path, original);
    chmodSync(path, 0o640);
    const result = await s.connect("claude-code", "--url", URL_);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Updated superset/);
    const after = JSON.parse(s.read(path));
    expect(after.numStartups).toBe(7);
    expect(after.projects).toEqual({ "/x": { allowedTools: ["a"] } });
    expect(after.mcpServers.other).toEqual({ type: "stdio", command: "srv" });
    // A key the user added to the entry stays; the ones connect decides are replaced.
    expect(after.mcpServers.superset).toEqual({ type: "http", url: URL_, timeout: 30 });
    expect(s.read(path)).toContain('\n    "numStartups"');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    const [backup] = s.backups(path);
    expect(readFileSync(join(s.home, backup!), "utf8")).toBe(original);
    expect(statSync(join(s.home, backup!)).mode & 0o777).toBe(0o640);
  });

  test("a second identical run changes nothing and writes no backup", async () => {
    const s = setting();
    expect((await s.connect("gemini", "--url", URL_)).code).toBe(0);
    const before = s.read(join(s.home, ".gemini/settings.json"));
    const again = await s.connect("gemini", "--url", URL_);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("nothing changed");
    expect(s.read(join(s.home, ".gemini/settings.json"))).toBe(before);
    expect(s.backups(join(s.home, ".gemini/settings.json"))).toEqual([]);
  });

  test("Codex's config.toml keeps its comments and tables when a server is added", async () => {
    const s = setting();
    const path = join(s.home, ".codex/config.toml");
    mkdirSync(dirname(path), { recursive: true });
    const original = '# my settings\nmodel = "o3"\n\n[mcp_servers.docs]\ncommand = "docs-server" # local\n';
    writeFileSync(path, original);
    expect((await s.connect("codex", "--url", URL_)).code).toBe(0);
    const text = s.read(path);
    expect(text.startsWith(original.trimEnd())).toBe(true);
    expect(parseToml(text)).toEqual({ model: "o3", mcp_servers: { docs: { command: "docs-server" }, superset: { url: URL_ } } });
    // Again: nothing changes, not even a backup.
    const again = await s.connect("codex", "--url", URL_);
    expect(again.stdout).toContain("nothing changed");
    expect(s.read(path)).toBe(text);
    expect(s.backups(path)).toHaveLength(1);
    // A changed entry replaces the server's own tables, and the comments stay.
    const keyed = await s.connect("codex", "--url", URL_, "--api-key", KEY);
    expect(keyed.stderr).toBe("");
    const rewritten = s.read(path);
    expect(rewritten.startsWith(original.trimEnd())).toBe(true);
    expect(parseToml(rewritten)).toEqual({ model: "o3", mcp_servers: { docs: { command: "docs-server" }, superset: { url: URL_, http_headers: { Authorization: `Bearer ${KEY}` } } } });
    expect(rewritten.match(/\[mcp_servers\.superset\]/g)).toHaveLength(1);
  });

  test("a config.toml that cannot be edited in place is rewritten whole, saying its comments are in the backup", async () => {
    const s = setting();
    const path = join(s.home, ".codex/config.toml");
    mkdirSync(dirname(path), { recursive: true });
    // Dotted keys instead of a table: appending [mcp_servers.superset] would define it twice.
    writeFileSync(path, '# mine\nmcp_servers.superset.url = "https://old.example/mcp"\n');
    const result = await s.connect("codex", "--url", URL_);
    expect(result.code).toBe(0);
    const [backup] = s.backups(path);
    expect(result.stderr.trim()).toBe(`Warning: ${path} was rewritten without its comments; they are in the backup ${join(dirname(path), backup!)}.`);
    expect(parseToml(s.read(path))).toEqual({ mcp_servers: { superset: { url: URL_ } } });
  });

  test("a JSON file that already says the same, in other formatting, is left alone", async () => {
    const s = setting();
    const path = join(s.home, ".cursor/mcp.json");
    mkdirSync(dirname(path));
    const minified = JSON.stringify({ mcpServers: { superset: { url: URL_ } } });
    writeFileSync(path, minified);
    expect((await s.connect("cursor", "--url", URL_)).stdout).toContain("nothing changed");
    expect(s.read(path)).toBe(minified);
  });

  test("a symlinked file is written through, the link kept", async () => {
    const s = setting();
    const real = join(tempDir("superset-dotfiles-"), "mcp.json");
    writeFileSync(real, JSON.stringify({ mcpServers: {} }));
    mkdirSync(join(s.home, ".cursor"));
    symlinkSync(real, join(s.home, ".cursor/mcp.json"));
    expect((await s.connect("cursor", "--url", URL_)).code).toBe(0);
    expect(JSON.parse(readFileSync(real, "utf8")).mcpServers.superset).toEqual({ url: URL_ });
  });

  test("--print shows the change and writes nothing; the key is masked", async () => {
    const s = setting();
    const result = await s.connect("cursor", "--url", URL_, "--api-key", KEY, "--print");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`+++ ${join(s.home, ".cursor/mcp.json")}`);
    expect(result.stdout).toContain(`+      "url": "${URL_}",`);
    expect(result.stdout).not.toContain(KEY);
    expect(existsSync(join(s.home, ".cursor"))).toBe(false);
  });

  test("--api-key-stdin takes the key from a pipe; too much input or a bad key is refused", async () => {
    const s = setting();
    const piped = await s.connectWithStdin(`${KEY}\n`, "amp", "--url", URL_, "--api-key-stdin");
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(s.read(join(s.home, ".config/amp/settings.json")))["amp.mcpServers"].superset.headers).toEqual({ Authorization: `Bearer ${KEY}` });
    const flood = await s.connectWithStdin("x".repeat(100_000), "cursor", "--url", URL_, "--api-key-stdin");
    expect(flood.code).toBe(1);
    expect(flood.stderr).toMatch(/more than 4096 bytes/);
    const bad = await s.connectWithStdin("not-a-key\n", "cursor", "--url", URL_, "--api-key-stdin");
    expect(bad.stderr).toMatch(/--api-key must be an API key/);
    expect(existsSync(join(s.home, ".cursor"))).toBe(false);
  });

  test("--url defaults to MCP_SERVICE_URL of the config, with /mcp", async () => {
    const s = setting();
    const config = join(s.project, "superset.config.ts");
    writeFileSync(config, `export default { MCP_SERVICE_URL: "https://from-config.example" };\n`);
    expect((await s.connect("cursor", "--config", config)).code).toBe(0);
    expect(JSON.parse(s.read(join(s.home, ".cursor/mcp.json"))).mcpServers.superset.url).toBe("https://from-config.example/mcp");
  });
});
