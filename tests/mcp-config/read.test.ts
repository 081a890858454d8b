/**
 * The reader of a folder's MCP config files (src/mcp-config): every client's spelling, the
 * enabled/disabled/invalid states, redaction of secrets, and hostile folders: unparseable and
 * huge files, names with control characters, symlinks out of the folder, FIFOs, too many servers.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_CONFIG_FILE_BYTES, MAX_SERVERS_PER_FILE, McpConfigFolderError, readMcpConfig } from "../../src/mcp-config/read.ts";
import { REDACTED } from "../../src/mcp-config/redact.ts";
import { removeTempDirs, tempDir, writeFile } from "../helpers/git-repos.ts";

afterAll(removeTempDirs);

const KEY = `sk_live_${"k".repeat(43)}`;
const folder = (files: Record<string, string>) => {
  const dir = tempDir("superset-mcp-config-");
  for (const [path, content] of Object.entries(files)) writeFile(dir, path, content);
  return dir;
};
const json = (value: unknown) => JSON.stringify(value, null, 2);

describe("each client's file", () => {
  test("the desktop app's three files and the four project files of connect's clients, one server each", () => {
    const dir = folder({
      ".mcp.json": json({ mcpServers: { claude: { type: "http", url: "https://a.example/mcp" } } }),
      ".amp/settings.json": json({ "amp.mcpServers": { amp: { command: "npx", args: ["-y", "some-server"] } } }),
      ".mastracode/mcp.json": json({ mcpServers: { mastra: { url: "https://m.example/mcp" } } }),
      ".cursor/mcp.json": json({ mcpServers: { cursor: { command: "node", args: ["server.js"], env: { TOKEN: "secret-value" } } } }),
      ".gemini/settings.json": `// Gemini allows comments\n${json({ mcpServers: { gemini: { httpUrl: "https://g.example/mcp", headers: { Authorization: `Bearer ${KEY}` } } } })}`,
      "opencode.json": json({ $schema: "https://opencode.ai/config.json", mcp: { opencode: { type: "local", command: ["bun", "x", "srv"], environment: { A: "b" } } } }),
      ".codex/config.toml": '[mcp_servers.codex]\nurl = "https://c.example/mcp"\nbearer_token_env_var = "SUPERSET_API_KEY"\nenv_http_headers = { "X-Api-Key" = "MY_KEY_VAR" }\n',
    });
    const { servers, problems } = readMcpConfig(dir);
    expect(problems).toEqual([]);
    const rows = servers.map(({ name, transport, target, state, file }) => ({ name, transport, target, state, file }));
    expect(rows).toEqual([
      { name: "claude", transport: "remote", target: "https://a.example/mcp", state: "enabled", file: ".mcp.json" },
      { name: "amp", transport: "local", target: "npx -y some-server", state: "enabled", file: ".amp/settings.json" },
      { name: "mastra", transport: "remote", target: "https://m.example/mcp", state: "enabled", file: ".mastracode/mcp.json" },
      { name: "cursor", transport: "local", target: "node server.js", state: "enabled", file: ".cursor/mcp.json" },
      { name: "gemini", transport: "remote", target: "https://g.example/mcp", state: "enabled", file: ".gemini/settings.json" },
      { name: "opencode", transport: "local", target: "bun x srv", state: "enabled", file: "opencode.json" },
      { name: "codex", transport: "remote", target: "https://c.example/mcp", state: "enabled", file: ".codex/config.toml" },
    ]);
    const byName = Object.fromEntries(servers.map((server) => [server.name, server]));
    expect(byName.cursor!.env).toEqual({ TOKEN: REDACTED });
    expect(byName.gemini!.headers).toEqual({ Authorization: `Bearer ${REDACTED}` });
    expect(byName.opencode!.env).toEqual({ A: REDACTED });
    // A reference to an environment variable is no secret: it is shown.
    expect(byName.codex!.headers).toEqual({ "X-Api-Key": "${MY_KEY_VAR}", Authorization: "Bearer ${SUPERSET_API_KEY}" });
    expect(JSON.stringify(servers)).not.toContain(KEY);
    expect(JSON.stringify(servers)).not.toContain("secret-value");
  });

  test("a URL built from an environment variable is the client's to expand, not invalid", () => {
    const [server] = readMcpConfig(folder({ ".mcp.json": json({ mcpServers: { env: { type: "http", url: "${API_BASE:-https://x.example}/mcp" } } }) })).servers;
    expect([server!.state, server!.target]).toEqual(["enabled", "${API_BASE:-https://x.example}/mcp"]);
  });

  test("an empty folder has no servers and no problems", () => {
    expect(readMcpConfig(folder({}))).toEqual({ servers: [], problems: [] });
  });

  test("disabled the way each client disables a server", () => {
    const dir = folder({
      ".mcp.json": json({ mcpServers: { off: { url: "https://a.example/mcp", disabled: true } } }),
      ".gemini/settings.json": json({
        mcp: { excluded: ["excluded"], allowed: ["kept"] },
        mcpServers: { excluded: { httpUrl: "https://g.example/mcp" }, kept: { httpUrl: "https://g.example/mcp" }, other: { httpUrl: "https://g.example/mcp" } },
      }),
      "opencode.json": json({ mcp: { paused: { type: "remote", url: "https://o.example/mcp", enabled: false } } }),
      ".codex/config.toml": '[mcp_servers.quiet]\ncommand = "srv"\nenabled = false\n',
    });
    const states = Object.fromEntries(readMcpConfig(dir).servers.map((server) => [server.name, [server.state, server.reason]]));
    expect(states).toEqual({
      off: ["disabled", '"disabled": true'],
      excluded: ["disabled", "listed in mcp.excluded"],
      kept: ["enabled", null],
      other: ["disabled", "not listed in mcp.allowed"],
      paused: ["disabled", "enabled is false"],
      quiet: ["disabled", "enabled is false"],
    });
  });

  test("secrets in arguments and URLs are cut out", () => {
    const dir = folder({
      ".mcp.json": json({
        mcpServers: {
          bridge: { command: "npx", args: ["-y", "mcp-remote", "https://s.example/mcp", "--header", `Authorization: Bearer ${KEY}`] },
          token: { command: "srv", args: ["--token", "hunter2", "--api-key=abc123", `--note=${KEY}`] },
          query: { url: "https://user:pass@q.example/mcp?token=abc" },
        },
      }),
    });
    const targets = Object.fromEntries(readMcpConfig(dir).servers.map((server) => [server.name, server.target]));
    expect(targets.bridge).toBe(`npx -y mcp-remote https://s.example/mcp --header Authorization: Bearer ${REDACTED}`);
    expect(targets.token).toBe(`srv --token ${REDACTED} --api-key=${REDACTED} --note=${REDACTED}`);
    expect(targets.query).not.toContain("pass");
    expect(targets.query).not.toContain("abc");
  });
});

describe("invalid entries say why", () => {
  test.each([
    ["neither a command nor a URL", { timeout: 5 }, /neither a command nor a URL/],
    ["both a command and a URL", { command: "srv", url: "https://x.example/mcp" }, /both a command and a URL/],
    ["a URL that is not http(s)", { url: "file:///etc/passwd" }, /not an http/],
    ["a URL that is not a URL", { url: "not a url" }, /not a URL/],
    ["args that are not strings", { command: "srv", args: [1, 2] }, /not a string/],
    ["headers that are not strings", { url: "https://x.example/mcp", headers: { A: 1 } }, /headers\.A is not a string/],
    ["an entry that is not an object", "just a string", /not an object/],
    ["a huge argument list", { command: "srv", args: Array.from({ length: 500 }, () => "x") }, /over 200/],
  ])("%s", (_what, entry, reason) => {
    const [server] = readMcpConfig(folder({ ".mcp.json": json({ mcpServers: { bad: entry } }) })).servers;
    expect(server!.state).toBe("invalid");
    expect(server!.reason).toMatch(reason);
  });

  test("a hostile name is escaped and invalid; a long one is cut and invalid", () => {
    const hostile = "evil\u001b[2J\u202eName";
    const long = "n".repeat(5000);
    const servers = readMcpConfig(folder({ ".mcp.json": json({ mcpServers: { [hostile]: { url: "https://x.example/mcp" }, [long]: { url: "https://x.example/mcp" } } }) })).servers;
    expect(servers[0]!.name).toBe("evil\\u001b[2J\\u202eName");
    expect(servers[0]!.reason).toBe("the name has control characters");
    expect(servers[1]!.name.length).toBe(200);
    expect(servers[1]!.reason).toMatch(/5000 characters long/);
    for (const server of servers) expect(server.name).not.toMatch(/[\u0000-\u001f\u202e]/);
  });

  test("a target with control characters is shown escaped", () => {
    const [server] = readMcpConfig(folder({ ".mcp.json": json({ mcpServers: { s: { command: "srv\u001b]0;title\u0007" } } }) })).servers;
    expect(server!.target).toBe("srv\\u001b]0;title\\u0007");
  });
});

describe("files that are not read, and why", () => {
  test("unparseable JSON and TOML, a non-object, and a servers key of the wrong type", () => {
    const dir = folder({
      ".mcp.json": "{ not json",
      ".codex/config.toml": "[mcp_servers.x\nurl=",
      ".cursor/mcp.json": "[1, 2]",
      "opencode.json": json({ mcp: ["not", "a", "record"] }),
    });
    const { servers, problems } = readMcpConfig(dir);
    expect(servers).toEqual([]);
    expect(problems.map((problem) => problem.file)).toEqual([".mcp.json", ".cursor/mcp.json", "opencode.json", ".codex/config.toml"]);
    expect(problems[0]!.reason).toMatch(/^\.mcp\.json is not valid JSON/);
    expect(problems[1]!.reason).toBe(".cursor/mcp.json is not a JSON object");
    expect(problems[2]!.reason).toMatch(/"mcp" that is not an object/);
    expect(problems[3]!.reason).toMatch(/^\.codex\/config\.toml is not valid TOML/);
  });

  test("a file over the size bound is not read", () => {
    const dir = folder({ ".mcp.json": `{"mcpServers": {}, "pad": "${"x".repeat(MAX_CONFIG_FILE_BYTES)}"}` });
    const { problems } = readMcpConfig(dir);
    expect(problems[0]!.reason).toMatch(/over the 1048576 bytes/);
  });

  test("too many servers: the first ones are shown and the file is named", () => {
    const many = Object.fromEntries(Array.from({ length: MAX_SERVERS_PER_FILE + 5 }, (_, i) => [`s${i}`, { url: "https://x.example/mcp" }]));
    const { servers, problems } = readMcpConfig(folder({ ".mcp.json": json({ mcpServers: many }) }));
    expect(servers).toHaveLength(MAX_SERVERS_PER_FILE);
    expect(problems[0]!.reason).toMatch(/505 servers; only the first 500/);
  });

  test("a symlink to a file outside the folder, a folder linked outside, and a dangling link are refused", () => {
    const outside = folder({
      "secret.json": json({ mcpServers: { stolen: { url: "https://x.example/mcp", headers: { A: "secret" } } } }),
      "dir/mcp.json": json({ mcpServers: { alsoStolen: { url: "https://x.example/mcp" } } }),
    });
    const dir = folder({});
    symlinkSync(join(outside, "secret.json"), join(dir, ".mcp.json"));
    symlinkSync(join(outside, "dir"), join(dir, ".cursor"));
    symlinkSync(join(dir, "nowhere.json"), join(dir, "opencode.json"));
    const { servers, problems } = readMcpConfig(dir);
    expect(servers).toEqual([]);
    expect(problems.map((problem) => problem.reason)).toEqual([
      ".mcp.json leads outside the folder through a symbolic link; not read",
      ".cursor/mcp.json leads outside the folder through a symbolic link; not read",
      "opencode.json is a symbolic link that leads nowhere; not read",
    ]);
  });

  test("a symlink to a file inside the folder is read", () => {
    const dir = folder({ "shared/mcp.json": json({ mcpServers: { shared: { url: "https://x.example/mcp" } } }) });
    symlinkSync("shared/mcp.json", join(dir, ".mcp.json"));
    expect(readMcpConfig(dir).servers.map((server) => server.name)).toEqual(["shared"]);
  });

  test("a FIFO or a folder in place of a file does not block and is named", () => {
    const dir = folder({});
    expect(Bun.spawnSync(["mkfifo", join(dir, ".mcp.json")]).exitCode).toBe(0);
    mkdirSync(join(dir, "opencode.json"));
    const { problems } = readMcpConfig(dir);
    expect(problems.map((problem) => problem.reason)).toEqual([".mcp.json is not a regular file; not read", "opencode.json is not a regular file; not read"]);
  });

  test("bytes that are not UTF-8", () => {
    const dir = folder({});
    writeFileSync(join(dir, ".mcp.json"), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(readMcpConfig(dir).problems[0]!.reason).toBe(".mcp.json is not UTF-8 text; not read");
  });

  test("a folder that does not exist, or a file given as the folder", () => {
    const dir = folder({ "file.txt": "x" });
    expect(() => readMcpConfig(join(dir, "missing"))).toThrow(McpConfigFolderError);
    expect(() => readMcpConfig(join(dir, "file.txt"))).toThrow(McpConfigFolderError);
  });
});
