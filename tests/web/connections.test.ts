/** /settings/connections: the user's OAuth grants, revoking one (with CSRF), and the page when OAuth is off. */
import { describe, expect, test } from "bun:test";
import type { Services } from "../../src/services/index.ts";
import { createTestApp } from "../helpers/app.ts";
import { Browser, expectSecurityHeaders } from "./browser.ts";
import { authOnApp, PASSWORD, userWithPassword, type WebUser } from "./setup.ts";

/** A grant of `user` to a client named `clientName`, as an approved consent leaves it. */
async function connect(services: Services, user: WebUser, clientName: string, scopes = ["mcp:read"]): Promise<string> {
  const { client } = await services.oauthClients.register({ name: clientName, redirectUris: ["https://client.example/callback"], tokenEndpointAuthMethod: "none", clientUri: null });
  const { grantId } = await services.oauthGrants.issueCode({
    clientId: client.id,
    userId: user.id,
    organizationId: user.organization.id,
    scopes,
    resource: "http://127.0.0.1:5008/mcp",
    redirectUri: "https://client.example/callback",
    codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  });
  return grantId;
}

describe("connections", () => {
  test("lists the user's connections only, and revokes one with its button", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const someoneElse = await userWithPassword(t.services);
    const kept = await connect(t.services, user, "Claude Desktop", ["mcp:read", "mcp:write"]);
    const revoked = await connect(t.services, user, "Cursor");
    const foreign = await connect(t.services, someoneElse, "Someone's Client");
    const browser = new Browser(t.app);
    await browser.signIn(user.username, PASSWORD, "/settings/connections");

    const page = await browser.get("/settings/connections");
    expectSecurityHeaders(page);
    const html = await page.text();
    expect(html).toContain("Claude Desktop");
    expect(html).toContain("Cursor");
    expect(html).toContain("mcp:read mcp:write");
    expect(html).toContain(user.organization.name);
    expect(html).not.toContain("Someone's Client");
    expect(html).toContain(`<a href="/settings/connections" aria-current="page">`);

    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)![1]!;
    const answer = await browser.post("/settings/connections/revoke", { csrf_token: csrf, id: revoked });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe("/settings/connections?done=revoked");
    expect(await t.services.oauthGrants.isGrantActive(revoked)).toBe(false);
    expect(await t.services.oauthGrants.isGrantActive(kept)).toBe(true);
    const after = await (await browser.get("/settings/connections?done=revoked")).text();
    expect(after).toContain("The connection was revoked");
    expect(after).not.toContain("Cursor");

    // Another user's grant, an unknown id and one already revoked are all "not found".
    for (const id of [foreign, revoked, crypto.randomUUID(), "not-a-uuid"]) {
      expect((await browser.post("/settings/connections/revoke", { csrf_token: csrf, id })).status).toBe(404);
    }
    expect(await t.services.oauthGrants.isGrantActive(foreign)).toBe(true);
  });

  test("revoking without a good CSRF token is refused and the connection stays", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const grant = await connect(t.services, user, "Client");
    const browser = new Browser(t.app);
    await browser.signIn(user.username, PASSWORD);
    for (const token of [undefined, "1.x", `${Math.floor(Date.now() / 1000)}.${"B".repeat(43)}`]) {
      const response = await browser.post("/settings/connections/revoke", { id: grant, ...(token === undefined ? {} : { csrf_token: token }) });
      expect(response.status).toBe(403);
    }
    expect(await t.services.oauthGrants.isGrantActive(grant)).toBe(true);
  });

  test("signed out: the page sends the browser to sign in and back", async () => {
    const t = await authOnApp();
    const response = await new Browser(t.app).get("/settings/connections");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/signin?next=%2Fsettings%2Fconnections");
  });

  test("with the OAuth server off (dev mode, or MCP_OAUTH_ENABLED false) the page says so", async () => {
    for (const t of [await createTestApp(), await authOnApp({ MCP_OAUTH_ENABLED: false })]) {
      const browser = new Browser(t.app);
      if (t.config.MCP_AUTH_ENABLED) {
        const user = await userWithPassword(t.services);
        await browser.signIn(user.username, PASSWORD);
      }
      const response = await browser.get("/settings/connections");
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("The built-in OAuth server is off on this server");
    }
  });
});
