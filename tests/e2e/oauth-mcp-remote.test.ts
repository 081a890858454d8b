/**
 * `mcp-remote` (pinned devDependency), the stdio bridge that desktop clients without remote-server
 * support run, through the whole OAuth flow against the built binary. It opens the browser with
 * the `open` package, which on Linux runs xdg-open and, without a desktop, $BROWSER: both are a fake
 * browser here (tests/helpers/oauth.ts run as a program) that signs alice in, approves for globex
 * and GETs mcp-remote's localhost callback. Its tokens live in MCP_REMOTE_CONFIG_DIR, a temp dir.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Glob } from "bun";
import { freePort } from "../helpers/binary.ts";
import { mcpPing, PASSWORD, startOAuthServer, tokenRequest, USERNAME, writeFakeBrowser, type OAuthServer } from "../helpers/oauth.ts";

setDefaultTimeout(90_000);

const MCP_REMOTE = resolve(import.meta.dir, "../../node_modules/mcp-remote/dist/proxy.js");
const ACCESS_TOKEN_TTL_SECONDS = 3;

interface StoredTokens {
  access_token: string;
  refresh_token?: string;
}

let oauth: OAuthServer;
let home: string;
let client: Client;
let transport: StdioClientTransport;
let bridgeLog = "";
const browserLog = () => join(home, "browser.log");

/** mcp-remote's tokens for the server, as it saved them. */
async function storedTokens(): Promise<StoredTokens> {
  const [file] = [...new Glob("**/*_tokens.json").scanSync({ cwd: join(home, "mcp-auth") })];
  expect(file, `no tokens file in MCP_REMOTE_CONFIG_DIR; mcp-remote said:\n${bridgeLog}`).toBeDefined();
  return Bun.file(join(home, "mcp-auth", file!)).json();
}

const diagnostics = async () =>
  `mcp-remote stderr:\n${bridgeLog}\nbrowser log:\n${await Bun.file(browserLog())
    .text()
    .catch(() => "(none)")}`;

beforeAll(async () => {
  oauth = await startOAuthServer({ MCP_OAUTH_ACCESS_TOKEN_TTL: ACCESS_TOKEN_TTL_SECONDS, MCP_JWT_LEEWAY_SECONDS: 0 });
  home = await mkdtemp(join(tmpdir(), "superset-e2e-mcp-remote-"));
  const bin = join(home, "bin");
  await Promise.all([mkdir(bin), mkdir(join(home, "mcp-auth"))]);
  const fakeBrowser = await writeFakeBrowser(bin, browserLog());

  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: home,
    BROWSER: fakeBrowser,
    MCP_REMOTE_CONFIG_DIR: join(home, "mcp-auth"),
    SUPERSET_E2E_USERNAME: USERNAME,
    SUPERSET_E2E_PASSWORD: PASSWORD,
    SUPERSET_E2E_ORGANIZATION_ID: oauth.organizations.globex,
    SUPERSET_E2E_BROWSER_LOG: browserLog(),
  };
  // Run by Node, as `npx mcp-remote` runs for a desktop client; the callback port is given explicitly.
  transport = new StdioClientTransport({ command: "node", args: [MCP_REMOTE, oauth.mcpUrl, String(freePort()), "--transport", "http-only", "--auth-timeout", "60"], env, stderr: "pipe" });
  transport.stderr?.on("data", (chunk: Buffer) => (bridgeLog += chunk.toString()));
  client = new Client({ name: "superset-e2e-mcp-remote", version: "1.0.0" });
});

afterAll(async () => {
  await client?.close().catch(() => {});
  await oauth?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("mcp-remote through the OAuth flow against the built binary", () => {
  test("connecting registers a client, opens the browser once for sign-in and consent, and stores the tokens", async () => {
    try {
      await client.connect(transport);
    } catch (error) {
      throw new Error(`connect through mcp-remote failed: ${error}\n${await diagnostics()}`);
    }
    const log = await Bun.file(browserLog()).text();
    expect(log.match(/opened /g)?.length, await diagnostics()).toBe(1);
    expect(log).toContain(`opened ${oauth.issuer}/oauth/authorize?`);
    expect(log).toMatch(/callback answered 200/);
    const tokens = await storedTokens();
    expect(tokens.refresh_token).toBeString();
  });

  test("tool calls act as alice in the organization she approved (globex, where she is an admin)", async () => {
    const members = await client.callTool({ name: "organization_members_list", arguments: {} });
    expect(members.isError, await diagnostics()).toBeFalsy();
    expect((members.structuredContent as { members: { username: string; role: string }[] }).members).toContainEqual(expect.objectContaining({ username: "alice", role: "admin" }));
    const created = await client.callTool({ name: "tasks_create", arguments: { title: "Made through mcp-remote" } });
    expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
  });

  test("after the access token expires mcp-remote refreshes it without the browser, and calls go on", async () => {
    const before = await storedTokens();
    await Bun.sleep((ACCESS_TOKEN_TTL_SECONDS + 1.5) * 1000);
    expect((await mcpPing(oauth.mcpUrl, { Authorization: `Bearer ${before.access_token}` })).status).toBe(401);

    const listed = await client.callTool({ name: "tasks_list", arguments: { search: "mcp-remote" } });
    expect(listed.isError, await diagnostics()).toBeFalsy();
    expect(JSON.stringify(listed.structuredContent)).toContain("Made through mcp-remote");
    const after = await storedTokens();
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect((await Bun.file(browserLog()).text()).match(/opened /g)?.length, "a refresh must not open the browser").toBe(1);
  });

  test("revoking mcp-remote's refresh token stops its access token and its refresh token", async () => {
    const tokens = await storedTokens();
    expect((await mcpPing(oauth.mcpUrl, { Authorization: `Bearer ${tokens.access_token}` })).status).toBe(200);
    const clientInfo = [...new Glob("**/*_client_info.json").scanSync({ cwd: join(home, "mcp-auth") })][0];
    const clientId = clientInfo ? ((await Bun.file(join(home, "mcp-auth", clientInfo)).json()) as { client_id: string }).client_id : undefined;
    expect(clientId, "mcp-remote saved no client registration").toStartWith("mcp_");

    const revoked = await fetch(`${oauth.issuer}/oauth/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.refresh_token!, client_id: clientId! }),
    });
    expect(revoked.status).toBe(200);
    expect((await mcpPing(oauth.mcpUrl, { Authorization: `Bearer ${tokens.access_token}` })).status).toBe(401);
    const refresh = await tokenRequest(oauth.issuer, { grant_type: "refresh_token", refresh_token: tokens.refresh_token!, client_id: clientId! });
    expect(refresh.body.error).toBe("invalid_grant");
  });
});
