/**
 * `superset connect` checked by the clients themselves: Claude Code, Codex, Gemini CLI and
 * opencode from npm, each run with a fresh HOME (and XDG folders) and no network but loopback
 * (every proxy variable points at a closed port). After `superset connect <client>` (the built
 * binary), the client's own `mcp list` shows the server connected in dev mode and with an API
 * key against a server with sign-in on, needing authentication with --oauth, and read from the
 * project's own file with --scope project (Claude Code holds a project's servers for approval).
 *
 * Codex's `mcp list` does not connect: it shows how it would authenticate, which it learns from
 * the server (OAuth discovery against the URL): "Unsupported" in dev mode (no OAuth there),
 * "Bearer token" with the key, "Not logged in" when the server offers OAuth and no token is held.
 * Gemini CLI and Codex read a project's servers only in a folder the user trusted: the test
 * trusts the project folder in ~/.gemini/trustedFolders.json and ~/.codex/config.toml, as a user
 * does at their prompts on the first start there.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { npmPackageFile, npmTool } from "../helpers/npm-tools.ts";
import { startOAuthServer, USERNAME, type OAuthServer } from "../helpers/oauth.ts";
import { runProcess } from "../helpers/run-process.ts";

setDefaultTimeout(120_000);

const PLATFORM = `${process.platform}-${process.arch}`;
/** A port nothing listens on: a client that tries the network through its proxy fails at once. */
const CLOSED_PROXY = "http://127.0.0.1:9";

interface RealClient {
  id: string;
  binary: string | undefined;
  /** What its `mcp list` prints for the server `superset`: connected in dev mode, with a key, and needing sign-in. */
  dev: RegExp;
  withKey: RegExp;
  needsSignIn: RegExp;
  /** Dev mode, `--scope project`: the project's file, as the client treats a project's servers. */
  projectScope: RegExp;
}

// Claude Code and opencode ship a native binary in a platform package; their launcher needs the install script npmTool skips.
const CLIENTS: RealClient[] = [
  {
    id: "claude-code",
    binary: await npmPackageFile("@anthropic-ai/claude-code", "2.1.332", `@anthropic-ai/claude-code-${PLATFORM}/claude`),
    dev: /^superset: http\S+ \(HTTP\) - ✔ Connected$/m,
    withKey: /^superset: http\S+ \(HTTP\) - ✔ Connected$/m,
    needsSignIn: /^superset: http\S+ \(HTTP\) - ! Needs authentication$/m,
    // Claude Code asks before it starts the servers of a project's .mcp.json.
    projectScope: /^superset: http\S+ \(HTTP\) - ⏸ Pending approval \(run `claude` to approve\)$/m,
  },
  {
    id: "codex",
    binary: await npmTool("@openai/codex", "0.171.0", "codex"),
    dev: /^superset\s+http\S+\s+-\s+enabled\s+Unsupported\s*$/m,
    withKey: /^superset\s+http\S+\s+-\s+enabled\s+Bearer token\s*$/m,
    needsSignIn: /^superset\s+http\S+\s+-\s+enabled\s+Not logged in\s*$/m,
    projectScope: /^superset\s+http\S+\s+-\s+enabled\s+Unsupported\s*$/m,
  },
  {
    id: "gemini",
    binary: await npmTool("@google/gemini-cli", "0.61.0", "gemini"),
    dev: /^✓ superset: http\S+ \(http\) - Connected$/m,
    withKey: /^✓ superset: http\S+ \(http\) - Connected$/m,
    // Gemini says how sign-in completes inside it: /mcp auth <name>.
    needsSignIn: /requires authentication using: \/mcp auth superset[\s\S]*✗ superset: http\S+ \(http\) - Disconnected/,
    projectScope: /^✓ superset: http\S+ \(http\) - Connected$/m,
  },
  {
    id: "opencode",
    binary: await npmPackageFile("opencode-ai", "1.18.33", `opencode-${PLATFORM}/bin/opencode`),
    dev: /✓ superset\s+connected/,
    withKey: /✓ superset\s+connected/,
    needsSignIn: /⚠ superset\s+needs authentication/,
    projectScope: /✓ superset\s+connected/,
  },
];

/** A fresh HOME with its XDG folders and a project folder in it, trusted by Gemini and by Codex as a user trusts it at their prompts. */
function freshHome() {
  const home = mkdtempSync(join(tmpdir(), "superset-client-home-"));
  const project = join(home, "project");
  mkdirSync(join(home, ".gemini"), { recursive: true });
  mkdirSync(join(home, ".codex"));
  mkdirSync(project);
  writeFileSync(join(home, ".gemini/trustedFolders.json"), JSON.stringify({ [project]: "TRUST_FOLDER" }));
  writeFileSync(join(home, ".codex/config.toml"), `[projects.${JSON.stringify(project)}]\ntrust_level = "trusted"\n`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_STATE_HOME: join(home, ".local/state"),
    XDG_CACHE_HOME: join(home, ".cache"),
    HTTPS_PROXY: CLOSED_PROXY,
    HTTP_PROXY: CLOSED_PROXY,
    ALL_PROXY: CLOSED_PROXY,
    https_proxy: CLOSED_PROXY,
    http_proxy: CLOSED_PROXY,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    NO_COLOR: "1",
    CI: "true",
    // Each client's own switches for update checks and telemetry.
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    GEMINI_CLI_DISABLE_AUTO_UPDATE: "1",
  };
  return { home, project, env, dispose: () => rmSync(home, { recursive: true, force: true }) };
}

async function run(command: string[], cwd: string, env: Record<string, string>): Promise<string> {
  const { exitCode: code, stdout, stderr } = await runProcess(command, { cwd, env, timeoutMs: 90_000 });
  // opencode colours its output even with NO_COLOR.
  return `exit ${code}\n${stdout}\n${stderr}`.replace(/\u001b\[[0-9;]*m/g, "");
}

let dev: { sandbox: Sandbox; server: RunningServer };
let oauth: OAuthServer;
let key: string;

beforeAll(async () => {
  const sandbox = await createSandbox();
  dev = { sandbox, server: await sandbox.start() };
  oauth = await startOAuthServer();
  key = /sk_live_[A-Za-z0-9_-]{43}/.exec(await oauth.cli(["api-keys", "create", "--user", USERNAME, "--org", "acme", "--name", "clients"]))![0];
});

afterAll(async () => {
  await dev?.sandbox.dispose();
  await oauth?.stop();
});

describe.each(CLIENTS.map((client) => [client.id, client] as const))("%s", (id, client) => {
  const binary = client.binary;
  const scenario = async (url: string, auth: string[]) => {
    const around = freshHome();
    try {
      const connected = await run([dev.sandbox.binary, "connect", id, "--url", url, ...auth], around.project, around.env);
      expect(connected, connected).toStartWith("exit 0\n");
      expect(connected).not.toContain(key);
      return await run([binary!, "mcp", "list"], around.project, around.env);
    } finally {
      around.dispose();
    }
  };

  test.skipIf(!binary)("dev mode: the server as the client sees it without sign-in", async () => {
    const listed = await scenario(dev.server.url, []);
    expect(listed).toMatch(client.dev);
  });

  test.skipIf(!binary)("sign-in on, with an API key: the key is used", async () => {
    const listed = await scenario(oauth.mcpUrl, ["--api-key", key]);
    expect(listed).toMatch(client.withKey);
  });

  test.skipIf(!binary)("sign-in on, with --oauth: sign-in is asked for", async () => {
    const listed = await scenario(oauth.mcpUrl, ["--oauth"]);
    expect(listed).toMatch(client.needsSignIn);
  });

  test.skipIf(!binary)("--scope project: the project's own file", async () => {
    const listed = await scenario(dev.server.url, ["--scope", "project"]);
    expect(listed).toMatch(client.projectScope);
  });
});
