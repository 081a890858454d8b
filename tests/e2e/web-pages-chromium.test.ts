/**
 * The web pages of the built binary in a real browser: Debian's Chromium driven by playwright-core
 * (`executablePath: /usr/bin/chromium`, no browser download). Alice signs in, approves an OAuth
 * client on the consent page after choosing an organization (Chromium enforces the page's CSP
 * `form-action` on the redirect to the client, which a scripted browser would not), creates an API
 * key and sees it once, then revokes it and the MCP endpoint refuses it.
 *
 * Without /usr/bin/chromium these tests are skipped with a message, except under CI (CI=true),
 * where .ci/run installs it and a missing browser is a failure.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { codeFrom, mcpPing, PASSWORD, pkcePair, registerClient, startOAuthServer, tokenRequest, USERNAME, authorizeUrl, type OAuthServer } from "../helpers/oauth.ts";

setDefaultTimeout(60_000);

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const underCi = process.env.CI === "true";
if (!hasChromium && !underCi) console.warn(`[web-pages-chromium] skipped: ${CHROMIUM} is missing (apt-get install chromium); CI installs it and runs these tests.`);

describe.skipIf(!hasChromium && !underCi)("the web pages in Chromium against the built binary", () => {
  let oauth: OAuthServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Where the test's OAuth client receives its redirects. */
  let callback: ReturnType<typeof Bun.serve>;
  const callbacks: string[] = [];
  /** The access token of the connection approved on the consent page. */
  let connectionToken = "";

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: CI must install Debian's chromium package (see .ci/run)`).toBe(true);
    oauth = await startOAuthServer();
    callback = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        if (new URL(request.url).pathname !== "/callback") return new Response(null, { status: 404 });
        callbacks.push(request.url);
        return new Response("<!doctype html><title>Client</title><p>Connected.</p>", { headers: { "Content-Type": "text/html" } });
      },
    });
    // Running as root in a container, Chromium needs --no-sandbox.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    callback?.stop(true);
    await oauth?.stop();
  });

  test("signing in with username and password lands on the API keys page", async () => {
    await page.goto(`${oauth.issuer}/signin`);
    expect(await page.getAttribute("html", "lang")).toBe("en");
    await page.getByLabel(/user ?name/i).fill(USERNAME);
    await page.getByLabel(/password/i).fill(PASSWORD);
    await page.getByRole("button", { name: /sign in/i }).click();
    await page.waitForURL(`${oauth.issuer}/settings/api-keys`);
    await expect(
      page
        .getByRole("heading", { name: /api keys/i })
        .first()
        .isVisible(),
    ).resolves.toBe(true);
  });

  test("a wrong password shows one generic message and no session", async () => {
    const visitor = await browser.newContext();
    const tab = await visitor.newPage();
    await tab.goto(`${oauth.issuer}/signin`);
    await tab.getByLabel(/user ?name/i).fill(USERNAME);
    await tab.getByLabel(/password/i).fill("not the password");
    await tab.getByRole("button", { name: /sign in/i }).click();
    await tab.waitForLoadState();
    expect(new URL(tab.url()).pathname).toBe("/signin");
    expect(await tab.textContent("body")).toContain("Username or password is wrong.");
    await visitor.close();
  });

  test("consent: the page names the client, where it returns and the scopes; choosing Globex and approving redirects to the client with a code for Globex", async () => {
    const redirectUri = `http://127.0.0.1:${callback.port}/callback`;
    const client = await registerClient(oauth.issuer, { client_name: "Chromium Test Client", redirect_uris: [redirectUri] });
    const { verifier, challenge } = pkcePair();
    const state = crypto.randomUUID();
    await page.goto(authorizeUrl(oauth.issuer, { client_id: client.client_id, redirect_uri: redirectUri, code_challenge: challenge, state }));

    const body = (await page.textContent("body")) ?? "";
    expect(body).toContain("Chromium Test Client");
    expect(body).toContain(`127.0.0.1:${callback.port}`);
    expect(body).toContain("mcp:read");
    expect(body).toContain("mcp:write");
    // The organization picker: alice is in Acme and Globex.
    await page.getByLabel(/globex/i).check();
    await page.getByRole("button", { name: /approve|allow/i }).click();
    await page.waitForURL((url) => url.href.startsWith(redirectUri));

    const { code, state: returnedState, iss } = codeFrom(page.url());
    expect(returnedState).toBe(state);
    expect(iss).toBe(oauth.issuer);
    expect(callbacks.at(-1)).toBe(page.url());
    const token = await tokenRequest(oauth.issuer, { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: redirectUri, client_id: client.client_id });
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    const claims = JSON.parse(Buffer.from((token.body.access_token as string).split(".")[1]!, "base64url").toString());
    expect(claims.organizationId).toBe(oauth.organizations.globex);
    connectionToken = token.body.access_token as string;
  });

  test("deny sends the client access_denied and no code", async () => {
    const redirectUri = `http://127.0.0.1:${callback.port}/callback`;
    const client = await registerClient(oauth.issuer, { client_name: "Denied Client", redirect_uris: [redirectUri] });
    await page.goto(authorizeUrl(oauth.issuer, { client_id: client.client_id, redirect_uri: redirectUri, code_challenge: pkcePair().challenge }));
    await page.getByRole("button", { name: /deny|cancel/i }).click();
    await page.waitForURL((url) => url.href.startsWith(redirectUri));
    const url = new URL(page.url());
    expect(url.searchParams.get("error")).toBe("access_denied");
    expect(url.searchParams.get("code")).toBeNull();
  });

  let key = "";

  test("creating an API key in Globex shows it once; the list then shows only its prefix, and the key works on /mcp", async () => {
    await page.goto(`${oauth.issuer}/settings/api-keys`);
    // The organization switcher: alice has keys in Acme and Globex.
    await page.getByLabel("Organization").selectOption("globex");
    await page.getByRole("button", { name: /show its keys/i }).click();
    await page.waitForURL(/organization=globex/);
    await page.getByLabel(/^name/i).fill("Chromium key");
    await page.getByRole("button", { name: /create/i }).click();
    await page.waitForLoadState();

    key = await page.getByLabel("API key", { exact: true }).inputValue();
    expect(key).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
    expect(await page.textContent("body")).toMatch(/won.t see it again/i);
    expect((await mcpPing(oauth.mcpUrl, { Authorization: `Bearer ${key}` })).status).toBe(200);

    await page.goto(`${oauth.issuer}/settings/api-keys?organization=globex`);
    const list = (await page.content()) ?? "";
    expect(list).toContain("Chromium key");
    expect(list).toContain(key.slice(0, "sk_live_".length + 4));
    expect(list, "the whole key is shown only once").not.toContain(key);
  });

  test("revoking the key after the confirmation step makes /mcp refuse it", async () => {
    expect(key).not.toBe("");
    await page.goto(`${oauth.issuer}/settings/api-keys?organization=globex`);
    await page.getByRole("button", { name: /revoke .chromium key/i }).click();
    await page.waitForLoadState();
    expect(await page.textContent("body")).toContain(key.slice(0, "sk_live_".length + 4));
    await page.getByRole("button", { name: /revoke api key/i }).click();
    await page.waitForLoadState();
    expect((await mcpPing(oauth.mcpUrl, { Authorization: `Bearer ${key}` })).status).toBe(401);
    await page.goto(`${oauth.issuer}/settings/api-keys?organization=globex`);
    const list = (await page.textContent("body")) ?? "";
    expect(list.includes("Chromium key") ? /revoked/i.test(list) : true, "a revoked key is gone from the list or marked revoked").toBe(true);
  });

  test("the connections page lists the approved client in Globex; revoking it makes /mcp refuse its token", async () => {
    expect(connectionToken).not.toBe("");
    await page.goto(`${oauth.issuer}/settings/connections`);
    const body = (await page.textContent("body")) ?? "";
    expect(body).toContain("Chromium Test Client");
    expect(body).toContain("Globex");
    expect((await mcpPing(oauth.mcpUrl, { Authorization: `Bearer ${connectionToken}` })).status, "the connection's token works until it is revoked").toBe(200);
    await page.getByRole("button", { name: /revoke .chromium test client/i }).click();
    await page.waitForLoadState();
    expect(await page.textContent("body")).not.toContain("Revoke “Chromium Test Client”");
    expect((await mcpPing(oauth.mcpUrl, { Authorization: `Bearer ${connectionToken}` })).status).toBe(401);
  });

  test("the pages are not framable, not cached, and keep the referrer to themselves", async () => {
    const response = await page.goto(`${oauth.issuer}/settings/api-keys`);
    const headers = response!.headers();
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["cache-control"]).toContain("no-store");
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["referrer-policy"]).toBe("no-referrer");
  });
});
