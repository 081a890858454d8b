/**
 * Hostile names (tags, both quotes, an ampersand) in every page: the user's name, the
 * organization's, an API key's, an OAuth client's, and whatever a form or address echoes back.
 * They must arrive as text, never as markup.
 */
import { describe, expect, test } from "bun:test";
import { uniqueName } from "../helpers/fixtures.ts";
import { consentPage } from "../../src/web/pages/consent.ts";
import { errorPage } from "../../src/web/pages/error.ts";
import { Browser, expectEscaped, HOSTILE } from "./browser.ts";
import { authOnApp, PASSWORD } from "./setup.ts";

describe("hostile names are escaped", () => {
  test("on the sign-in, API keys, revoke, connections and error pages", async () => {
    const t = await authOnApp();
    const organization = await t.services.accounts.createOrganization({ name: HOSTILE, slug: uniqueName("hostile") });
    const username = uniqueName("user");
    const user = await t.services.accounts.createUser({ username, name: HOSTILE, password: PASSWORD });
    await t.services.accounts.setMembership(username, organization.id, "member");
    const { client } = await t.services.oauthClients.register({ name: HOSTILE, redirectUris: ["https://client.example/cb"], tokenEndpointAuthMethod: "none", clientUri: null });
    await t.services.oauthGrants.issueCode({
      clientId: client.id,
      userId: user.id,
      organizationId: organization.id,
      scopes: ["mcp:read"],
      resource: "http://127.0.0.1:5008/mcp",
      redirectUri: "https://client.example/cb",
      codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    });

    const browser = new Browser(t.app);
    // The sign-in form echoes what was typed as the username.
    const { csrf } = await browser.page("/signin");
    const failed = await browser.post("/signin", { csrf_token: csrf, username: HOSTILE, password: "x", next: `/settings/api-keys?${HOSTILE}` });
    expect(failed.status).toBe(401);
    expectEscaped(await failed.text());
    expect(await (await browser.get(`/signin?next=${encodeURIComponent(`/x?q=${HOSTILE}`)}`)).text()).not.toContain("<script>");

    await browser.signIn(username, PASSWORD);
    const { csrf: token } = await browser.page("/settings/api-keys");
    const created = await browser.post("/settings/api-keys", { csrf_token: token, name: HOSTILE, scope: "mcp:read", expires: "30" });
    expect(created.status).toBe(200);
    expectEscaped(await created.text());
    const list = await (await browser.get("/settings/api-keys")).text();
    expectEscaped(list);
    const id = /name="id" value="([^"]+)"/.exec(list)![1]!;
    expectEscaped(await (await browser.get(`/settings/api-keys/revoke?organization=${organization.slug}&id=${id}`)).text());
    expectEscaped(await (await browser.get("/settings/connections")).text());

    // A refused form shows the typed name again in its field.
    const refused = await browser.post("/settings/api-keys", { csrf_token: token, name: HOSTILE, scope: "admin" });
    expect(refused.status).toBe(400);
    expectEscaped(await refused.text());
    // An unknown organization in the address is echoed in the 404 sentence.
    const notFound = await browser.get(`/settings/api-keys?organization=${encodeURIComponent(HOSTILE)}`);
    expect(notFound.status).toBe(404);
    expectEscaped(await notFound.text());
  });

  test("on the consent page and in errorPage", async () => {
    const page = consentPage({
      user: { username: "alice", name: HOSTILE },
      clientName: HOSTILE,
      redirectHost: HOSTILE,
      scopes: [{ name: HOSTILE, description: HOSTILE }],
      organizations: [
        { id: HOSTILE, slug: "one", name: HOSTILE },
        { id: "2", slug: HOSTILE, name: "two" },
      ],
      selectedOrganizationId: HOSTILE,
      hidden: { state: HOSTILE, [HOSTILE]: "x" },
      csrfToken: HOSTILE,
      action: "/oauth/authorize",
    });
    expectEscaped(page);
    expect(page).toMatch(/<input type="radio" name="organization_id" value="&lt;script&gt;[^>]*checked required>/);
    expectEscaped(await errorPage({ status: 400, title: HOSTILE, message: HOSTILE }).text());
  });
});
