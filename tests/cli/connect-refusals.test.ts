/**
 * `superset connect` refusing: a file it cannot parse or must not rewrite, a file too large, an
 * API key for a file inside a git work tree, and every bad argument. Each refusal is one sentence,
 * exit 1, and leaves the file as it was, with no backup.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CONNECT_KEY as KEY, CONNECT_URL as URL_, connectSetting as setting } from "../helpers/connect.ts";
import { removeTempDirs } from "../helpers/git-repos.ts";

setDefaultTimeout(60_000);
afterAll(removeTempDirs);

describe("refusals leave the file untouched", () => {
  test.each([
    ["not JSON", ".cursor/mcp.json", "{ not json", /is not valid JSON .*nothing was written/],
    ["JSON with comments", ".cursor/mcp.json", '{\n  // mine\n  "mcpServers": {}\n}', /has comments.*nothing was written/],
    ["an array", ".cursor/mcp.json", "[1]", /holds an array/],
    ["mcpServers of the wrong type", ".cursor/mcp.json", '{"mcpServers": [1]}', /"mcpServers" that is not an object/],
    ["not TOML", ".codex/config.toml", "[mcp_servers\nurl=", /is not valid TOML .*nothing was written/],
  ])("%s", async (_what, file, content, message) => {
    const s = setting();
    const path = join(s.home, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    const result = await s.connect(file.includes("codex") ? "codex" : "cursor", "--url", URL_);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(s.read(path)).toBe(content);
    expect(s.backups(path)).toEqual([]);
  });

  test("a file over the size bound", async () => {
    const s = setting();
    const path = join(s.home, ".claude.json");
    writeFileSync(path, `{"pad": "${"x".repeat(5 * 1024 * 1024)}"}`);
    const result = await s.connect("claude-code", "--url", URL_);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/over the 5242880 bytes/);
  });

  test("an API key into a file inside a git work tree needs --force; OAuth does not", async () => {
    const s = setting();
    mkdirSync(join(s.project, ".git"));
    const refused = await s.connect("claude-code", "--scope", "project", "--url", URL_, "--api-key", KEY);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/inside a git work tree.*nothing was written/);
    expect(existsSync(join(s.project, ".mcp.json"))).toBe(false);
    expect((await s.connect("claude-code", "--scope", "project", "--url", URL_)).code).toBe(0);
    expect((await s.connect("claude-code", "--scope", "project", "--url", URL_, "--api-key", KEY, "--force")).code).toBe(0);
    expect(JSON.parse(s.read(join(s.project, ".mcp.json"))).mcpServers.superset.headers).toEqual({ Authorization: `Bearer ${KEY}` });
  });

  test.each([
    ["no client", [], /Missing client/],
    ["an unknown client", ["vim"], /Unknown client "vim"/],
    ["two clients", ["cursor", "amp"], /takes one client/],
    ["a project scope Claude Desktop has not", ["claude-desktop", "--scope", "project"], /no project config file/],
    ["an unknown scope", ["cursor", "--scope", "global"], /--scope must be user or project/],
    ["a key and --oauth", ["cursor", "--api-key", KEY, "--oauth"], /Give one of --api-key and --oauth/],
    ["a malformed key", ["cursor", "--api-key", "sk_live_short"], /--api-key must be an API key/],
    ["a huge key", ["cursor", "--api-key", `sk_live_${"a".repeat(10_000)}`], /--api-key must be an API key/],
    ["a URL that is not one", ["cursor", "--url", "not a url"], /is not a URL/],
    ["a file URL", ["cursor", "--url", "file:///etc/passwd"], /must start with https/],
    ["a URL with a password", ["cursor", "--url", "https://u:p@x.example/mcp"], /must not hold a user, a password/],
    ["a huge URL", ["cursor", "--url", `https://x.example/${"a".repeat(3000)}`], /at most 2000 characters/],
    ["a key over plain http to another machine", ["cursor", "--url", "http://superset.example.com/mcp", "--api-key", KEY], /in the clear/],
    ["a hostile name", ["cursor", "--name", "evil\nname"], /^--name "evil\\nname" must be 1 to 64/],
    ["a name with a dot (a TOML table path)", ["codex", "--name", "a.b"], /--name .* must be 1 to 64/],
  ])("%s", async (_what, args, message) => {
    const s = setting();
    const result = await s.connect(...(args as string[]));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(s.home)).toEqual([]);
  });
});
