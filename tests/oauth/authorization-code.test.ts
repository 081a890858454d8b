/**
 * The authorization-code flow through app.handle: consent as a signed-in user, the code exchanged
 * once for tokens that work on /mcp as that user in the chosen organization, and every way the
 * flow refuses (OAuth 2.1 §4.1, §7; RFC 8707; RFC 9207).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { clientWith } from "../helpers/auth.ts";
import {
  authorizeAndExchange,
  authorizeParams,
  consent,
  consentFields,
  createOAuthApp,
  getAuthorize,
  ISSUER,
  MCP_RESOURCE,
  pkcePair,
  post,
  REDIRECT_URI,
  registerClient,
  type OAuthApp,
} from "../helpers/oauth-app.ts";

let t: OAuthApp;
beforeAll(async () => {
  t = await createOAuthApp();
});

const errorPage = async (response: Response, status: number) => {
  expect(response.status).toBe(status);
  expect(response.headers.get("location")).toBeNull();
  expect(response.headers.get("content-type")).toContain("text/html");
  return response.text();
};

describe("GET /oauth/authorize", () => {
  test("an unknown client or a redirect URI it did not register gets an error page, never a redirect", async () => {
    const client = await registerClient(t);
    const { challenge } = pkcePair();
    await errorPage(await getAuthorize(t, authorizeParams("mcp_unknown", challenge), t.cookie), 400);
    for (const redirect of ["https://evil.example/callback", "http://127.0.0.1:33418/other", `${REDIRECT_URI}?x=1`]) {
      expect(await errorPage(await getAuthorize(t, authorizeParams(client.client_id, challenge, { redirect_uri: redirect }), t.cookie), 400)).toContain("did not register");
    }
    await errorPage(await getAuthorize(t, { ...authorizeParams(client.client_id, challenge), client_id: "" }, t.cookie), 400);
  });

  test("a loopback redirect URI may use another port (RFC 8252 §7.3)", async () => {
    const client = await registerClient(t);
    const response = await getAuthorize(t, authorizeParams(client.client_id, pkcePair().challenge, { redirect_uri: "http://127.0.0.1:9/callback" }), t.cookie);
    expect(response.status).toBe(200);
  });

  test("once client and redirect URI are good, problems go back to the client with state and iss", async () => {
    const client = await registerClient(t);
    const { challenge } = pkcePair();
    const cases: [Record<string, string>, string][] = [
      [{ response_type: "token" }, "unsupported_response_type"],
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge: "short" }, "invalid_request"],
      [{ scope: "admin" }, "invalid_scope"],
      [{ resource: "https://evil.example/mcp" }, "invalid_target"],
    ];
    for (const [change, error] of cases) {
      const response = await getAuthorize(t, authorizeParams(client.client_id, challenge, change), t.cookie);
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get("location")!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(Object.fromEntries(location.searchParams)).toMatchObject({ error, state: "st-1", iss: ISSUER });
    }
    const withoutPkce = authorizeParams(client.client_id, challenge);
    delete withoutPkce.code_challenge;
    delete withoutPkce.code_challenge_method;
    expect(new URL((await getAuthorize(t, withoutPkce, t.cookie)).headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
  });

  test("a parameter given twice is refused on a page", async () => {
    const client = await registerClient(t);
    const query = `${new URLSearchParams(authorizeParams(client.client_id, pkcePair().challenge))}&redirect_uri=${encodeURIComponent("https://evil.example/")}`;
    await errorPage(await t.app.handle(new Request(`${ISSUER}/oauth/authorize?${query}`, { headers: { Cookie: t.cookie } })), 400);
  });

  test("a signed-out browser is sent to /signin, which comes back to the same request", async () => {
    const client = await registerClient(t);
    const params = authorizeParams(client.client_id, pkcePair().challenge);
    const response = await getAuthorize(t, params);
    expect(response.status).toBe(303);
    const signin = new URL(response.headers.get("location")!, ISSUER);
    expect(signin.pathname).toBe("/signin");
    const next = new URL(signin.searchParams.get("next")!, ISSUER);
    expect(next.pathname).toBe("/oauth/authorize");
    expect(Object.fromEntries(next.searchParams)).toMatchObject(params);
  });

  test("the consent page names the client, where it returns, the scopes in words, and offers both organizations; every value is escaped", async () => {
    const client = await registerClient(t, { client_name: `<script>alert("x")</script> Tool` });
    const response = await getAuthorize(t, authorizeParams(client.client_id, pkcePair().challenge), t.cookie);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).not.toContain("<script>alert");
    expect(page).toContain("&lt;script&gt;");
    expect(page).toContain("127.0.0.1:33418");
    expect(page).toContain("See your organization");
    expect(page).toContain("Globex &lt;b&gt;");
    expect(page).toContain(t.organizations.acme);
    expect(page).toContain(t.organizations.globex);
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect((await consentFields(page)).csrf_token).toBeTruthy();
  });
});

describe("POST /oauth/authorize (the consent form)", () => {
  test("Deny sends access_denied with state and iss, and issues nothing", async () => {
    const client = await registerClient(t);
    const location = await consent(t, authorizeParams(client.client_id, pkcePair().challenge), { decision: "deny" });
    expect(Object.fromEntries(location.searchParams)).toEqual({ error: "access_denied", error_description: "The user denied the request.", state: "st-1", iss: ISSUER });
    expect(await t.services.oauthGrants.listForUser(t.user.id)).toEqual([]);
  });

  test("without or with a forged CSRF token nothing is approved", async () => {
    const client = await registerClient(t);
    const page = await (await getAuthorize(t, authorizeParams(client.client_id, pkcePair().challenge), t.cookie)).text();
    const fields = await consentFields(page);
    for (const token of [undefined, "", `${fields.csrf_token}x`, "1.AAAA"]) {
      const body: Record<string, string> = { ...fields, decision: "approve", organization_id: t.organizations.acme };
      if (token === undefined) delete (body as Record<string, string | undefined>).csrf_token;
      else body.csrf_token = token;
      await errorPage(await post(t, "/oauth/authorize", body, { Cookie: t.cookie }), 403);
    }
    expect(await t.services.oauthGrants.listForUser(t.user.id)).toEqual([]);
  });

  test("an organization the user does not belong to is refused", async () => {
    const client = await registerClient(t);
    const other = await t.services.accounts.createOrganization({ name: "Other", slug: "other" });
    const page = await (await getAuthorize(t, authorizeParams(client.client_id, pkcePair().challenge), t.cookie)).text();
    await errorPage(await post(t, "/oauth/authorize", { ...(await consentFields(page)), decision: "approve", organization_id: other.id }, { Cookie: t.cookie }), 400);
  });

  test("Approve returns a code with state and iss; the tokens act as the user in the chosen organization", async () => {
    const { tokens } = await authorizeAndExchange(t, t.organizations.globex);
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "mcp:read mcp:write" });
    const client = clientWith(t.app, { Authorization: `Bearer ${tokens.access_token}` });
    const created = (await client.tool("tasks_create", { title: "Made over OAuth" })).structuredContent as { task: { creatorId: string; organizationId?: string } };
    expect(created.task.creatorId).toBe(t.user.id);
    const listed = (await client.tool("tasks_list", {})).structuredContent as { result: { task: { title: string } }[] };
    expect(listed.result.map((row) => row.task.title)).toContain("Made over OAuth");
    const [connection] = (await t.services.oauthGrants.listForUser(t.user.id)).filter((grant) => grant.organizationId === t.organizations.globex);
    expect(connection).toMatchObject({ clientName: "Test client", organizationSlug: "globex", scopes: ["mcp:read", "mcp:write"] });
  });

  test("a read-only grant sees only read-only tools", async () => {
    const client = await registerClient(t);
    const { verifier, challenge } = pkcePair();
    const location = await consent(t, authorizeParams(client.client_id, challenge, { scope: "mcp:read" }), { decision: "approve" });
    const tokens = (await (
      await post(t, "/oauth/token", { grant_type: "authorization_code", code: location.searchParams.get("code")!, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: client.client_id })
    ).json()) as { access_token: string; scope: string };
    expect(tokens.scope).toBe("mcp:read");
    const names = await clientWith(t.app, { Authorization: `Bearer ${tokens.access_token}` }).toolNames();
    expect(names).toContain("tasks_list");
    expect(names).not.toContain("tasks_create");
  });
});

describe("tokens are for this server only", () => {
  test("the access token's audience is the resource asked for; the alias URL accepts it too", async () => {
    const { tokens } = await authorizeAndExchange(t);
    const payload = JSON.parse(Buffer.from(tokens.access_token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: ISSUER, aud: MCP_RESOURCE, sub: t.user.id, organizationId: t.organizations.acme, scope: "mcp:read mcp:write" });
    const alias = await t.app.handle(
      new Request(`${ISSUER}/api/v2/agent/mcp`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Host: "127.0.0.1:5008", Authorization: `Bearer ${tokens.access_token}` },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      }),
    );
    expect(alias.status).toBe(200);
  });
});
