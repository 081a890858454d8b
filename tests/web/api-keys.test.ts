/**
 * /settings/api-keys: a key created on the page is shown once and works on /mcp; the list never
 * shows it again; revocation (after a confirmation) shuts it out; forms without a good CSRF token
 * change nothing; bad values get a sentence on the page.
 */
import { describe, expect, test } from "bun:test";
import { createWebAuth } from "../../src/web/web-auth.ts";
import { createTestApp, request, rpc, type TestApp } from "../helpers/app.ts";
import { withCapturedLog } from "../helpers/auth.ts";
import { Browser, expectSecurityHeaders, ORIGIN } from "./browser.ts";
import { authOnApp, PASSWORD, userWithPassword, type WebUser } from "./setup.ts";

const KEY_PATTERN = /sk_live_[A-Za-z0-9_-]{43}/g;

async function signedIn(overrides = {}): Promise<{ t: TestApp; user: WebUser; browser: Browser }> {
  const t = await authOnApp(overrides);
  const user = await userWithPassword(t.services);
  const browser = new Browser(t.app);
  await browser.signIn(user.username, PASSWORD);
  return { t, user, browser };
}

const ping = (t: TestApp, key: string) => rpc(t.app, request("ping"), { headers: { Authorization: `Bearer ${key}` } });

async function createKey(browser: Browser, fields: Record<string, string | string[]> = {}) {
  const { csrf } = await browser.page("/settings/api-keys");
  return browser.post("/settings/api-keys", { csrf_token: csrf, name: "laptop", scope: ["mcp:read", "mcp:write"], expires: "90", ...fields });
}

describe("creating a key", () => {
  test("shows it once, with a copy button that is not needed to read it; the list afterwards shows only its prefix", async () => {
    const { t, user, browser } = await signedIn();
    const created = await createKey(browser);
    expect(created.status).toBe(200);
    expectSecurityHeaders(created);
    const html = await created.text();
    const keys = html.match(KEY_PATTERN) ?? [];
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(html).toContain("you won't see it again");
    expect(html).toMatch(/<label for="new-key">[^<]+<\/label>\s*<input type="text" id="new-key" class="secret" value="sk_live_/);
    expect(html).toContain('data-copy="new-key"');
    expect(html).toMatch(/<script src="\/assets\/copy\.js\?v=[0-9a-f]+" defer><\/script>/);
    expect((await ping(t, key)).status).toBe(200);

    const list = await (await browser.get("/settings/api-keys")).text();
    expect(list).not.toMatch(KEY_PATTERN);
    expect(list).not.toContain(key.slice(12));
    expect(list).toContain(`${key.slice(0, 12)}…`);
    expect(list).toContain("laptop");
    expect(list).toContain("mcp:read mcp:write");
    const [info] = await t.services.apiKeys.list({ user: user.username });
    expect(info!.expiresAt).not.toBeNull();
    expect(new Date(info!.expiresAt!).getTime() - Date.now()).toBeGreaterThan(89 * 86_400_000);
  });

  test("a read-only key that never expires, and an empty name that is dated", async () => {
    const { t, user, browser } = await signedIn();
    expect((await createKey(browser, { name: "", scope: "mcp:read", expires: "never" })).status).toBe(200);
    const [info] = await t.services.apiKeys.list({ user: user.username });
    expect(info!.scopes).toEqual(["mcp:read"]);
    expect(info!.expiresAt).toBeNull();
    expect(info!.name).toStartWith("key created ");
  });

  test("bad values are refused with a sentence tied to the field, and nothing is created", async () => {
    const { t, user, browser } = await signedIn();
    const cases: [Record<string, string | string[]>, string, string][] = [
      [{ name: "n".repeat(101) }, "The name must be at most 100 characters.", "key-name-error"],
      [{ name: "tab\there" }, "must not contain control characters", "key-name-error"],
      [{ name: "nul\u0000here" }, "must not contain control characters", "key-name-error"],
      [{ scope: [] }, "Choose at least one scope.", "key-scope-error"],
      [{ scope: ["mcp:read", "admin"] }, "Unknown scope", "key-scope-error"],
      [{ expires: "7" }, "Choose when the key expires from the list.", "key-expires-error"],
      [{ expires: ["30", "90"] }, "Choose when the key expires from the list.", "key-expires-error"],
      [{ name: ["a", "b"] }, "The name was sent more than once", "key-name-error"],
    ];
    for (const [fields, message, errorId] of cases) {
      const response = await createKey(browser, fields);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain(message);
      expect(html).toContain(`id="${errorId}"`);
      expect(html).toMatch(new RegExp(`aria-describedby="[^"]*${errorId}"`));
      expect(html).not.toMatch(KEY_PATTERN);
    }
    expect(await t.services.apiKeys.list({ user: user.username })).toEqual([]);
  });

  test("an organization the user is not in is refused", async () => {
    const { t, user, browser } = await signedIn();
    const foreign = await userWithPassword(t.services);
    const response = await createKey(browser, { organization: foreign.organization.slug });
    expect(response.status).toBe(404);
    expect(await t.services.apiKeys.list({ user: user.username })).toEqual([]);
  });
});

describe("CSRF", () => {
  test("a create or revoke form without a token, with a wrong one or an expired one is refused with 403 and changes nothing", async () => {
    const { t, user, browser } = await signedIn({ MCP_CSRF_CONFIG: { WTF_CSRF_ENABLED: true, WTF_CSRF_TIME_LIMIT: 600 } });
    const { csrf } = await browser.page("/settings/api-keys");
    // A token as this browser's page showed it some minutes ago: same key and cookie, older clock.
    const cookieHeader = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const issuedMinutesAgo = (minutes: number) =>
      createWebAuth({ config: t.config, services: t.services, secretKey: t.config.SECRET_KEY!, now: () => Date.now() - minutes * 60_000 }).csrfToken(
        new Request(ORIGIN, { headers: { Cookie: cookieHeader } }),
      ).token;
    const expired = issuedMinutesAgo(11);
    const tampered = `${csrf.split(".")[0]}.${"A".repeat(43)}`;
    const otherBrowser = new Browser(t.app);
    await otherBrowser.signIn(user.username, PASSWORD);
    const othersToken = (await otherBrowser.page("/settings/api-keys")).csrf;
    for (const token of [undefined, "", tampered, expired, othersToken]) {
      const fields = { name: "sneaky", scope: "mcp:write", expires: "never", ...(token === undefined ? {} : { csrf_token: token }) };
      const response = await browser.post("/settings/api-keys", fields);
      expect(response.status).toBe(403);
      expectSecurityHeaders(response);
      const html = await response.text();
      expect(html).toContain("Nothing was changed");
      expect(html).not.toMatch(KEY_PATTERN);
    }
    expect(await t.services.apiKeys.list({ user: user.username })).toEqual([]);

    const { apiKey } = await t.services.apiKeys.create({ user: user.username, organization: user.organization.slug });
    for (const token of [undefined, tampered, expired, othersToken]) {
      const response = await browser.post("/settings/api-keys/revoke", { id: apiKey.id, organization: user.organization.slug, ...(token === undefined ? {} : { csrf_token: token }) });
      expect(response.status).toBe(403);
    }
    expect((await t.services.apiKeys.list({ user: user.username })).map((k) => k.id)).toEqual([apiKey.id]);
    // Within the time limit the page's token and an older one still work.
    expect((await browser.post("/settings/api-keys", { csrf_token: csrf, name: "fine", scope: "mcp:read" })).status).toBe(200);
    expect((await browser.post("/settings/api-keys", { csrf_token: issuedMinutesAgo(9), name: "older", scope: "mcp:read" })).status).toBe(200);
  });

  test("WTF_CSRF_ENABLED false accepts a form without a token", async () => {
    const { t, user, browser } = await signedIn({ MCP_CSRF_CONFIG: { WTF_CSRF_ENABLED: false, WTF_CSRF_TIME_LIMIT: null } });
    expect((await browser.post("/settings/api-keys", { name: "no-csrf", scope: "mcp:read" })).status).toBe(200);
    expect(await t.services.apiKeys.list({ user: user.username })).toHaveLength(1);
  });
});

describe("revoking a key", () => {
  test("asks first, then revokes; the key is refused on /mcp at once", async () => {
    const { t, browser } = await signedIn();
    const key = (await (await createKey(browser)).text()).match(KEY_PATTERN)![0];
    expect((await ping(t, key)).status).toBe(200);
    const list = await (await browser.get("/settings/api-keys")).text();
    const confirmUrl = /<form method="get" action="\/settings\/api-keys\/revoke">\s*<input type="hidden" name="organization" value="([^"]+)">\s*<input type="hidden" name="id" value="([^"]+)">/.exec(
      list,
    )!;
    const [, organization, id] = confirmUrl;
    const confirm = await browser.get(`/settings/api-keys/revoke?organization=${organization}&id=${id}`);
    expect(confirm.status).toBe(200);
    expectSecurityHeaders(confirm);
    const confirmHtml = await confirm.text();
    expect(confirmHtml).toContain("Revoke API key?");
    expect(confirmHtml).toContain('<button type="submit" class="danger">Revoke API key</button>');
    expect((await ping(t, key)).status).toBe(200); // looking is not revoking

    const csrf = /name="csrf_token" value="([^"]+)"/.exec(confirmHtml)![1]!;
    const revoked = await browser.post("/settings/api-keys/revoke", { csrf_token: csrf, organization: organization!, id: id! });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get("location")).toBe(`/settings/api-keys?organization=${organization}&done=revoked`);
    await withCapturedLog(async () => expect((await ping(t, key)).status).toBe(401));
    const after = await (await browser.get(revoked.headers.get("location")!)).text();
    expect(after).toContain("The API key was revoked");
    expect(after).not.toContain(`value="${id}"`);
  });

  test("another member's key cannot be revoked by a member, nor a key of another organization", async () => {
    const { t, user, browser } = await signedIn();
    const colleague = await userWithPassword(t.services, { organization: user.organization });
    const { apiKey } = await t.services.apiKeys.create({ user: colleague.username, organization: user.organization.slug });
    expect((await browser.get(`/settings/api-keys/revoke?organization=${user.organization.slug}&id=${apiKey.id}`)).status).toBe(404);
    const { csrf } = await browser.page("/settings/api-keys");
    const refused = await browser.post("/settings/api-keys/revoke", { csrf_token: csrf, organization: user.organization.slug, id: apiKey.id });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("may not revoke other members");
    const unknown = await browser.post("/settings/api-keys/revoke", { csrf_token: csrf, organization: user.organization.slug, id: "not-a-uuid" });
    expect(unknown.status).toBe(404);
    expect((await t.services.apiKeys.list({ user: colleague.username }))[0]!.revokedAt).toBeNull();
  });
});

describe("organizations and roles", () => {
  test("a user in two organizations switches between them; an admin sees every member's keys with their user", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services, { role: "admin", organizationName: "First Org" });
    const second = await t.services.accounts.createOrganization({ name: "Second Org", slug: `second-${crypto.randomUUID().slice(0, 6)}` });
    await t.services.accounts.setMembership(user.username, second.id, "member");
    const colleague = await userWithPassword(t.services, { organization: user.organization });
    await t.services.apiKeys.create({ user: colleague.username, organization: user.organization.slug, name: "colleague key" });
    await t.services.apiKeys.create({ user: user.username, organization: second.slug, name: "second org key" });
    const browser = new Browser(t.app);
    await browser.signIn(user.username, PASSWORD);

    const first = await (await browser.get("/settings/api-keys")).text();
    expect(first).toContain('<label for="organization">Organization</label>');
    expect(first).toContain("colleague key");
    expect(first).toContain(`<dt>User</dt><dd>${colleague.username}</dd>`);
    expect(first).not.toContain("second org key");
    const other = await (await browser.get(`/settings/api-keys?organization=${second.slug}`)).text();
    expect(other).toContain("second org key");
    expect(other).not.toContain("colleague key");
    expect(other).not.toContain("<dt>User</dt>");
    expect((await browser.get("/settings/api-keys?organization=nowhere")).status).toBe(404);
  });

  test("MCP_API_KEYS_ENABLED false: the page is a 404 that says why", async () => {
    const { browser } = await signedIn({ MCP_API_KEYS_ENABLED: false });
    const response = await browser.get("/settings/api-keys");
    expect(response.status).toBe(404);
    expectSecurityHeaders(response);
    expect(await response.text()).toContain("MCP_API_KEYS_ENABLED");
  });

  test("MCP_API_KEYS_ENABLED false: a signed-out visitor gets the same 404, not a sign-in redirect, on every keys route", async () => {
    const t = await authOnApp({ MCP_API_KEYS_ENABLED: false });
    const browser = new Browser(t.app);
    for (const response of [
      await browser.get("/settings/api-keys"),
      await browser.get("/settings/api-keys/revoke?id=x"),
      await browser.post("/settings/api-keys", { name: "x" }),
      await browser.post("/settings/api-keys/revoke", { id: "x" }),
    ]) {
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("MCP_API_KEYS_ENABLED");
    }
  });
});

describe("dev mode", () => {
  test("the dev user's keys, without signing in; a key made there works on /mcp", async () => {
    const t = await createTestApp();
    const browser = new Browser(t.app);
    const created = await createKey(browser);
    expect(created.status).toBe(200);
    const key = (await created.text()).match(KEY_PATTERN)![0];
    const [info] = await t.services.apiKeys.list({ user: "admin" });
    expect(info!.username).toBe("admin");
    expect((await ping(t, key)).status).toBe(200);
  });
});
