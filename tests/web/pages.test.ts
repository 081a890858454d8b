/**
 * What every page shares: the security headers (and the consent page's form-action for its
 * redirect), the Host check, the assets, the document's accessible structure, and the building
 * blocks (html escaping, the `next` filter, CSRF tokens) on their own.
 */
import { describe, expect, test } from "bun:test";
import { issueCsrfToken, isValidCsrfToken } from "../../src/web/csrf.ts";
import { html, SafeHtml } from "../../src/web/html.ts";
import { safeNextPath } from "../../src/web/next-path.ts";
import { consentPage } from "../../src/web/pages/consent.ts";
import { contentSecurityPolicy, formActionSource, htmlResponse } from "../../src/web/respond.ts";
import { createTestApp } from "../helpers/app.ts";
import { Browser, expectSecurityHeaders, ORIGIN } from "./browser.ts";
import { authOnApp, PASSWORD, userWithPassword } from "./setup.ts";

describe("security headers", () => {
  test("on every page, redirect and refusal, signed in or not", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const anonymous = new Browser(t.app);
    for (const path of ["/", "/signin", "/settings/api-keys", "/settings/connections", "/settings/api-keys/revoke?id=x"]) expectSecurityHeaders(await anonymous.get(path));
    expectSecurityHeaders(await anonymous.post("/signin", {}));
    const browser = new Browser(t.app);
    await browser.signIn(user.username, PASSWORD);
    for (const path of ["/settings/api-keys", "/settings/connections", "/settings/api-keys/revoke?id=x", "/settings/api-keys?organization=none"]) {
      const response = await browser.get(path);
      expectSecurityHeaders(response);
      expect(response.headers.get("content-security-policy")).toContain("form-action 'self'");
    }
  });

  test("the consent page's CSP lets its form be redirected to the client, and only there", () => {
    const page = consentPage({
      user: { username: "a", name: "A" },
      clientName: "C",
      redirectHost: "client.example",
      scopes: [],
      organizations: [{ id: "1", slug: "o", name: "O" }],
      selectedOrganizationId: "1",
      hidden: {},
      csrfToken: "t",
      action: "/oauth/authorize",
    });
    const csp = (uri: string) => htmlResponse(page, { redirectTargets: [uri] }).headers.get("content-security-policy")!;
    expect(csp("https://client.example/cb?x=1")).toEndWith("; form-action 'self' https://client.example");
    expect(csp("http://127.0.0.1:53682/callback")).toEndWith("; form-action 'self' http://127.0.0.1:53682");
    expect(csp("http://[::1]:8080/cb")).toEndWith("; form-action 'self' http://[::1]:8080");
    expect(csp("cursor://anysphere.cursor-retrieval/oauth/callback")).toEndWith("; form-action 'self' cursor:");
    // Nothing a client registers can add a directive: what is not a plain source drops form-action instead.
    expect(formActionSource("https://a.example;script-src *")).toBe(null);
    expect(contentSecurityPolicy(["https://a.example;script-src *"])).not.toContain("form-action");
    expect(contentSecurityPolicy(["https://a.example;script-src *"])).not.toContain("script-src *");
    expect(contentSecurityPolicy(["not a uri"])).toContain("script-src 'self'");
  });
});

describe("the Host check (DNS rebinding)", () => {
  test("a server bound to loopback refuses pages asked for under another host name, in dev mode too", async () => {
    const t = await createTestApp();
    const response = await t.app.handle(new Request(`${ORIGIN}/settings/api-keys`, { headers: { Host: "evil.example" } }));
    expect(response.status).toBe(403);
    expectSecurityHeaders(response);
    expect(await response.text()).not.toContain("csrf_token");
    expect((await t.app.handle(new Request(`${ORIGIN}/settings/api-keys`, { headers: { Host: "localhost:5008" } }))).status).toBe(200);
  });
});

describe("the Host check behind a reverse proxy", () => {
  test("/signin answers under the host of MCP_SERVICE_URL without MCP_ALLOWED_HOSTS, and refuses another host", async () => {
    const t = await authOnApp({ MCP_SERVICE_URL: "https://mcp.example.com" });
    const signin = (host: string) => t.app.handle(new Request("https://mcp.example.com/signin", { headers: { Host: host } }));
    const allowed = await signin("mcp.example.com");
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain("csrf_token");
    const refused = await signin("evil.example");
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("MCP_SERVICE_URL");
  });
});

describe("assets", () => {
  test("the stylesheet and the copy script are served under hashed URLs with a long cache, and the pages link them", async () => {
    const t = await createTestApp();
    const page = await (await new Browser(t.app).get("/settings/api-keys")).text();
    const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(page)![1]!;
    expect(stylesheet).toMatch(/^\/assets\/styles\.css\?v=[0-9a-f]{12}$/);
    const css = await t.app.handle(new Request(`${ORIGIN}${stylesheet}`));
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toStartWith("text/css");
    expect(css.headers.get("cache-control")).toContain("immutable");
    expect(await css.text()).toContain(":focus-visible");
    const script = await t.app.handle(new Request(`${ORIGIN}/assets/copy.js`));
    expect(script.headers.get("content-type")).toStartWith("text/javascript");
    expect(await script.text()).toContain("navigator.clipboard");
  });
});

describe("document structure", () => {
  test("lang, viewport, one main and one h1, labels for every control", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    const pages = [(await browser.page("/signin")).html];
    await browser.signIn(user.username, PASSWORD);
    pages.push((await browser.page("/settings/api-keys")).html, (await browser.page("/settings/connections")).html);
    for (const page of pages) {
      expect(page).toStartWith('<!doctype html>\n<html lang="en">');
      expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(page.match(/<main>/g)).toHaveLength(1);
      expect(page.match(/<h1>/g)).toHaveLength(1);
      expect(page).not.toContain('<a href="#"');
      // Every visible text control and select has a label naming its id.
      for (const [, id] of page.matchAll(/<(?:input type="(?:text|password)"|select) id="([^"]+)"/g)) expect(page).toContain(`<label for="${id}">`);
      // Checkboxes and radios sit in a fieldset with a legend, each inside its label.
      for (const box of page.matchAll(/<input type="(?:checkbox|radio)"/g)) {
        const before = page.slice(0, box.index);
        expect(before.lastIndexOf("<fieldset")).toBeGreaterThan(before.lastIndexOf("</fieldset>"));
        expect(before.endsWith("<label>")).toBe(true);
      }
      expect(page).not.toMatch(/ style="/);
      expect(page).not.toMatch(/<script>/);
    }
  });
});

describe("building blocks", () => {
  test("html escapes text and attribute values, keeps fragments, flattens lists, drops null and false", () => {
    const name = `<b>"Tom" & 'Jerry'</b>`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe('<p title="&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt;">&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt;</p>');
    expect(html`<ul>${["<a>", html`<li>${"<b>"}</li>`]}</ul>`.value).toBe("<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>");
    expect(html`${null}${undefined}${false}${0}`.value).toBe("0");
    expect(html`${new SafeHtml("<hr>")}`.value).toBe("<hr>");
  });

  test("safeNextPath keeps paths on this site and nothing else", () => {
    expect(safeNextPath("/oauth/authorize?client_id=x&redirect_uri=https%3A%2F%2Fa.example", "http://127.0.0.1:5008")).toBe("/oauth/authorize?client_id=x&redirect_uri=https%3A%2F%2Fa.example");
    for (const next of [null, "", "//evil.example", "///evil.example", "/\\evil.example", "https://evil.example", "/\t/evil.example", "/\n/evil.example", "x", `/${"a".repeat(5000)}`]) {
      expect(safeNextPath(next, "http://127.0.0.1:5008")).toBe("/settings/api-keys");
    }
  });

  test("CSRF tokens are bound to their cookie and key, and expire", () => {
    const now = 1_800_000_000;
    const token = issueCsrfToken("key", "cookie", now);
    expect(isValidCsrfToken("key", "cookie", token, now + 10, 60)).toBe(true);
    expect(isValidCsrfToken("key", "cookie", token, now + 61, 60)).toBe(false);
    expect(isValidCsrfToken("key", "other cookie", token, now, 60)).toBe(false);
    expect(isValidCsrfToken("other key", "cookie", token, now, 60)).toBe(false);
    expect(isValidCsrfToken("key", "cookie", token.replace(/^\d+/, String(now + 5)), now + 10, 60)).toBe(false);
    expect(isValidCsrfToken("key", "cookie", issueCsrfToken("key", "cookie", now + 3600), now, 60)).toBe(false);
    for (const junk of ["", ".", "abc", `${now}.`, `${now}.${"A".repeat(44)}`, `${now}.${"!".repeat(43)}`]) expect(isValidCsrfToken("key", "cookie", junk, now, 60)).toBe(false);
  });
});
