/**
 * The whole OAuth 2.1 flow of the MCP authorization spec, headless, with the MCP TypeScript SDK's
 * own OAuth support against the built binary: the 401 with resource_metadata, discovery, dynamic
 * registration, authorize with a scripted sign-in and consent in the second organization, the
 * code exchange, tool calls as that user in that organization, a refresh when the access token
 * expires, and revocation (RFC 7009) that stops the access and refresh tokens at once.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { codeFrom, mcpPing, ScriptedBrowser, startOAuthServer, tokenRequest, type OAuthServer } from "../helpers/oauth.ts";

setDefaultTimeout(60_000);

/** Access tokens live this long here, so a refresh can be seen within a test. */
const ACCESS_TOKEN_TTL_SECONDS = 3;

/** An OAuthClientProvider held in memory, whose "browser" is the scripted sign-in and consent. */
class ScriptedProvider implements OAuthClientProvider {
  information?: OAuthClientInformationMixed;
  savedTokens?: OAuthTokens;
  verifier = "";
  /** Every code the scripted browser brought back, in order. */
  codes: string[] = [];
  redirects: string[] = [];
  readonly redirectUrl = "http://127.0.0.1:8976/callback";

  constructor(
    private readonly browser: ScriptedBrowser,
    private readonly organizationId: string,
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return { client_name: "SDK e2e client", redirect_uris: [this.redirectUrl], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  /** The SDK sends a state only when the provider makes one; the server must echo it. */
  lastState = "";
  state() {
    this.lastState = crypto.randomUUID();
    return this.lastState;
  }
  clientInformation() {
    return this.information;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.information = information;
  }
  tokens() {
    return this.savedTokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.savedTokens = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  async redirectToAuthorization(url: URL) {
    const { location } = await this.browser.authorize(url.href, { organizationId: this.organizationId });
    this.redirects.push(location);
    this.codes.push(codeFrom(location).code);
  }
}

/** Connects the way an application does: try, and on UnauthorizedError finish the sign-in with the code and connect again. */
async function connectWithOAuth(url: string, provider: ScriptedProvider): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const first = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const client = new Client({ name: "superset-e2e-oauth", version: "1.0.0" });
  try {
    await client.connect(first);
    return { client, transport: first };
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  await first.finishAuth(provider.codes.at(-1)!);
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  await client.connect(transport);
  return { client, transport };
}

let oauth: OAuthServer;

beforeAll(async () => {
  oauth = await startOAuthServer({ MCP_OAUTH_ACCESS_TOKEN_TTL: ACCESS_TOKEN_TTL_SECONDS, MCP_JWT_LEEWAY_SECONDS: 0 });
});

afterAll(async () => {
  await oauth?.stop();
});

describe("the MCP SDK client's OAuth support against the built binary", () => {
  let provider: ScriptedProvider;
  let client: Client;

  test("without a token the MCP endpoint answers 401 with where its resource metadata is", async () => {
    const response = await mcpPing(oauth.mcpUrl, {});
    expect(response.status).toBe(401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain(`resource_metadata="${oauth.issuer}/.well-known/oauth-protected-resource/mcp"`);
    const metadata = await (await fetch(`${oauth.issuer}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(metadata).toMatchObject({ resource: oauth.mcpUrl, authorization_servers: [oauth.issuer] });
  });

  test("register, authorize (sign in, consent in globex), token and a tool call that acts as alice in globex", async () => {
    provider = new ScriptedProvider(new ScriptedBrowser(oauth.issuer), oauth.organizations.globex);
    ({ client } = await connectWithOAuth(oauth.mcpUrl, provider));

    expect(provider.information?.client_id).toStartWith("mcp_");
    expect(provider.codes).toHaveLength(1);
    const redirect = new URL(provider.redirects[0]!);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(provider.redirectUrl);
    expect(redirect.searchParams.get("iss")).toBe(oauth.issuer);
    expect(redirect.searchParams.get("state")).toBe(provider.lastState);
    // Plain comparisons: bun's toMatchObject with asymmetric matchers writes the matchers into the object it checks.
    expect(provider.savedTokens!.token_type.toLowerCase()).toBe("bearer");
    expect(provider.savedTokens!.refresh_token).toBeString();

    // The access token is the server's ES256 JWT for this resource, this user and the chosen organization.
    const [header, payload] = provider
      .savedTokens!.access_token.split(".")
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
    expect(header).toMatchObject({ alg: "ES256", kid: expect.any(String) });
    expect(payload).toMatchObject({ iss: oauth.issuer, aud: oauth.mcpUrl, organizationId: oauth.organizations.globex, client_id: provider.information!.client_id });

    const members = await client.callTool({ name: "organization_members_list", arguments: {} });
    expect(members.isError).toBeFalsy();
    // alice is an admin of globex and a member of acme: the role says which organization the token is for.
    expect((members.structuredContent as { members: { username: string; role: string }[] }).members).toContainEqual(expect.objectContaining({ username: "alice", role: "admin" }));
    const created = await client.callTool({ name: "tasks_create", arguments: { title: "Made through OAuth" } });
    expect(created.isError).toBeFalsy();
  });

  test("an expired access token is refreshed by the SDK with the rotated refresh token, and the session goes on", async () => {
    const before = { ...provider.savedTokens! };
    await Bun.sleep((ACCESS_TOKEN_TTL_SECONDS + 1.5) * 1000);
    expect((await mcpPing(oauth.mcpUrl, { Authorization: `Bearer ${before.access_token}` })).status).toBe(401);

    const listed = await client.callTool({ name: "tasks_list", arguments: { search: "Made through OAuth" } });
    expect(listed.isError).toBeFalsy();
    expect(JSON.stringify(listed.structuredContent)).toContain("Made through OAuth");
    expect(provider.savedTokens!.access_token).not.toBe(before.access_token);
    expect(provider.savedTokens!.refresh_token).not.toBe(before.refresh_token);
    expect(provider.codes, "a refresh must not send the user through the browser again").toHaveLength(1);
  });

  test("revoking the refresh token (RFC 7009) ends the connection: the access token and the refresh token stop working", async () => {
    const { access_token: accessToken, refresh_token: refreshToken } = provider.savedTokens!;
    expect((await mcpPing(oauth.mcpUrl, { Authorization: `Bearer ${accessToken}` })).status).toBe(200);

    const revoked = await fetch(`${oauth.issuer}/oauth/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: refreshToken!, token_type_hint: "refresh_token", client_id: provider.information!.client_id }),
    });
    expect(revoked.status).toBe(200);

    expect((await mcpPing(oauth.mcpUrl, { Authorization: `Bearer ${accessToken}` })).status).toBe(401);
    const refresh = await tokenRequest(oauth.issuer, { grant_type: "refresh_token", refresh_token: refreshToken!, client_id: provider.information!.client_id });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe("invalid_grant");
    await client.close().catch(() => {});
  });

  test("a fresh SDK client that picks acme gets a token for acme, where alice is a member", async () => {
    const acme = new ScriptedProvider(new ScriptedBrowser(oauth.issuer), oauth.organizations.acme);
    const { client: acmeClient } = await connectWithOAuth(oauth.mcpUrl, acme);
    const members = await acmeClient.callTool({ name: "organization_members_list", arguments: {} });
    expect((members.structuredContent as { members: { username: string; role: string }[] }).members).toContainEqual(expect.objectContaining({ username: "alice", role: "member" }));
    const tasks = await acmeClient.callTool({ name: "tasks_list", arguments: { search: "Made through OAuth" } });
    expect(JSON.stringify(tasks.structuredContent), "a task of globex must not show in acme").not.toContain("Made through OAuth");
    await acmeClient.close();
  });
});
