/**
 * /signin and /signout with auth on: the session cookie per MCP_SESSION_CONFIG, one page for every
 * failure (no user enumeration), the attempt limit, `next` kept on this site, and CSRF.
 */
import { describe, expect, test } from "bun:test";
import { SIGNIN_ATTEMPTS_PER_WINDOW } from "../../src/web/signin-limiter.ts";
import { createTestApp } from "../helpers/app.ts";
import { Browser, csrfTokenIn, expectSecurityHeaders } from "./browser.ts";
import { authOnApp, PASSWORD, userWithPassword } from "./setup.ts";

const sessionCookie = (response: Response, name = "superset_session") => {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${response.headers.getSetCookie().join(" | ")}`);
  return line;
};

describe("signing in", () => {
  test("the right password signs in: a session cookie with the MCP_SESSION_CONFIG defaults, then the settings", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    expect((await browser.get("/settings/api-keys")).headers.get("location")).toBe("/signin?next=%2Fsettings%2Fapi-keys");
    const signedIn = await browser.signIn(user.username, PASSWORD);
    expectSecurityHeaders(signedIn);
    expect(signedIn.headers.get("location")).toBe("/settings/api-keys");
    const cookie = sessionCookie(signedIn);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Path=/");
    expect(cookie).toContain("Max-Age=86400");
    expect(cookie).not.toContain("Secure");
    const page = await browser.get("/settings/api-keys");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(user.username);
  });

  test("the cookie follows MCP_SESSION_CONFIG: name, SameSite, lifetime, and Secure when set", async () => {
    const t = await authOnApp({
      MCP_SESSION_CONFIG: { SESSION_COOKIE_HTTPONLY: true, SESSION_COOKIE_SECURE: true, SESSION_COOKIE_SAMESITE: "Strict", SESSION_COOKIE_NAME: "sso_here", PERMANENT_SESSION_LIFETIME: 3600 },
    });
    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    const cookie = sessionCookie(await browser.signIn(user.username, PASSWORD), "sso_here");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Max-Age=3600");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("HttpOnly");
    expect((await browser.get("/settings/api-keys")).status).toBe(200);
  });

  test("an https MCP_SERVICE_URL makes the cookies Secure", async () => {
    const t = await authOnApp({ MCP_SERVICE_URL: "https://superset.example.com" });
    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    const form = await browser.get("/signin");
    expect(form.headers.getSetCookie().every((cookie) => cookie.includes("Secure"))).toBe(true);
    expect(sessionCookie(await browser.signIn(user.username, PASSWORD))).toContain("Secure");
  });

  test("a wrong password, an unknown user, a disabled user and a user without password get the very same page", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const disabled = await userWithPassword(t.services);
    await t.services.accounts.setActive(disabled.username, false);
    const passwordless = await t.services.accounts.createUser({ username: "no-password-user" });
    const browser = new Browser(t.app);
    const { csrf } = await browser.page("/signin");
    const attempt = async (username: string, password: string) => {
      const response = await browser.post("/signin", { csrf_token: csrf, username, password });
      expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith("superset_session="))).toBe(false);
      const html = await response.text();
      return { status: response.status, html: html.replace(csrfTokenIn(html), "TOKEN").replace(username, "NAME") };
    };
    const wrongPassword = await attempt(user.username, "not the password");
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.html).toContain("Username or password is wrong.");
    expect(wrongPassword.html).toContain('aria-describedby="signin-error"');
    for (const other of [await attempt("nobody-by-this-name", "whatever"), await attempt(disabled.username, PASSWORD), await attempt(passwordless.username, "anything")]) {
      expect(other).toEqual(wrongPassword);
    }
    expect((await browser.get("/settings/api-keys")).status).toBe(303);
  });

  test(`attempts are limited: after ${SIGNIN_ATTEMPTS_PER_WINDOW} from one address even the right password gets 429`, async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    const { csrf } = await browser.page("/signin");
    for (let i = 0; i < SIGNIN_ATTEMPTS_PER_WINDOW; i++) {
      expect((await browser.post("/signin", { csrf_token: csrf, username: `guess-${i}`, password: "x" })).status).toBe(401);
    }
    const limited = await browser.post("/signin", { csrf_token: csrf, username: user.username, password: PASSWORD });
    expect(limited.status).toBe(429);
    expectSecurityHeaders(limited);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.text()).toContain("Too many sign-in attempts");
    expect(limited.headers.getSetCookie().some((cookie) => cookie.startsWith("superset_session="))).toBe(false);
  });

  test("next goes back to a path on this site, and never to another one", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const kept = await new Browser(t.app).signIn(user.username, PASSWORD, "/settings/connections?x=1");
    expect(kept.headers.get("location")).toBe("/settings/connections?x=1");
    for (const next of ["//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "javascript:alert(1)", "evil.example", "///evil.example"]) {
      const browser = new Browser(t.app);
      const { html, csrf } = await browser.page(`/signin?next=${encodeURIComponent(next)}`);
      expect(html).toContain('name="next" value="/settings/api-keys"');
      // Posted directly, too, as a forged form would.
      const response = await browser.post("/signin", { csrf_token: csrf, username: user.username, password: PASSWORD, next });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/settings/api-keys");
    }
  });

  test("a signed-in user visiting /signin goes on to next", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    await browser.signIn(user.username, PASSWORD);
    expect((await browser.get("/signin?next=%2Fsettings%2Fconnections")).headers.get("location")).toBe("/settings/connections");
  });

  test("a sign-in form without, or with a wrong or foreign, CSRF token is refused with 403 and signs nobody in", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    const { csrf } = await browser.page("/signin");
    const other = new Browser(t.app);
    const { csrf: othersToken } = await other.page("/signin");
    for (const token of [undefined, "", "123.abc", `${csrf.slice(0, -2)}AA`, othersToken]) {
      const response = await browser.post("/signin", { ...(token === undefined ? {} : { csrf_token: token }), username: user.username, password: PASSWORD });
      expect(response.status).toBe(403);
      expectSecurityHeaders(response);
      expect(await response.text()).toContain("Nothing was changed");
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    // Without the anonymous cookie the token is bound to, the token alone is worthless.
    browser.cookies.clear();
    expect((await browser.post("/signin", { csrf_token: csrf, username: user.username, password: PASSWORD })).status).toBe(403);
  });

  test("oversized or repeated fields and other encodings get a page with a sentence, not a 500", async () => {
    const t = await authOnApp();
    const browser = new Browser(t.app);
    const { csrf } = await browser.page("/signin");
    const long = await browser.post("/signin", { csrf_token: csrf, username: "u".repeat(101), password: "x" });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain("The username must be at most 100 characters.");
    const repeated = await browser.post("/signin", { csrf_token: csrf, username: ["a", "b"], password: "x" });
    expect(repeated.status).toBe(400);
    expect(await repeated.text()).toContain("more than once");
    const huge = await browser.post("/signin", { csrf_token: csrf, username: "a", password: "p".repeat(20_000) });
    expect(huge.status).toBe(413);
    const json = await browser.post("/signin", {}, { "Content-Type": "application/json" });
    expect(json.status).toBe(415);
  });
});

describe("signing out", () => {
  test("ends the session on the server and clears the cookie; a replayed cookie is signed out too", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    await browser.signIn(user.username, PASSWORD);
    const stolen = browser.cookies.get("superset_session")!;
    const { html, csrf } = await browser.page("/settings/api-keys");
    expect(html).toContain('action="/signout"');
    const out = await browser.post("/signout", { csrf_token: csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/signin");
    expect(sessionCookie(out)).toContain("Max-Age=0");
    expect((await browser.get("/settings/api-keys")).status).toBe(303);
    browser.cookies.set("superset_session", stolen);
    expect((await browser.get("/settings/api-keys")).status).toBe(303);
  });

  test("without a CSRF token it is refused and the session stays", async () => {
    const t = await authOnApp();
    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    await browser.signIn(user.username, PASSWORD);
    expect((await browser.post("/signout", {})).status).toBe(403);
    expect((await browser.get("/settings/api-keys")).status).toBe(200);
  });

  test("signing in again ends the session the browser held before", async () => {
    const t = await authOnApp();
    const first = await userWithPassword(t.services);
    const second = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    await browser.signIn(first.username, PASSWORD);
    const earlier = browser.cookies.get("superset_session")!;
    const { csrf } = await browser.page("/settings/api-keys");
    expect((await browser.post("/signin", { csrf_token: csrf, username: second.username, password: PASSWORD })).status).toBe(303);
    expect(browser.cookies.get("superset_session")).not.toBe(earlier);
    expect(await (await browser.get("/settings/api-keys")).text()).toContain(second.username);
    const replay = new Browser(t.app);
    replay.cookies.set("superset_session", earlier);
    expect((await replay.get("/settings/api-keys")).status).toBe(303);
  });
});

describe("dev mode", () => {
  test("/signin goes straight to the settings, which show the dev user", async () => {
    const t = await createTestApp();
    const browser = new Browser(t.app);
    const signin = await browser.get("/signin");
    expect(signin.status).toBe(303);
    expect(signin.headers.get("location")).toBe("/settings/api-keys");
    const page = await browser.get("/settings/api-keys");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Signed in as <strong>admin</strong>");
    expect(html).toContain("development mode");
    expect(html).not.toContain('action="/signout"');
  });
});
