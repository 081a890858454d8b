/**
 * The sign-in `next` against the usual open-redirect payloads (double slashes, backslashes, dot
 * segments, percent-encoded separators, schemes, userinfo, tabs and newlines): every Location the
 * server answers, resolved as a browser resolves it, stays on the public origin, whether `next`
 * arrives in the sign-in POST or in GET /signin while already signed in.
 */
import { describe, expect, test } from "bun:test";
import { publicBaseUrl } from "../../src/config/load.ts";
import { DEFAULT_NEXT_PATH, safeNextPath } from "../../src/web/next-path.ts";
import { SIGNIN_ATTEMPTS_PER_WINDOW } from "../../src/web/signin-limiter.ts";
import { Browser } from "./browser.ts";
import { authOnApp, PASSWORD, userWithPassword } from "./setup.ts";

const PAYLOADS = [
  "//evil.example",
  "///evil.example",
  "////evil.example/",
  "/.//evil.example/",
  "/././/evil.example",
  "/..//evil.example",
  "/a/..//evil.example",
  "/%2e//evil.example",
  "/%2e%2e//evil.example",
  "/.%2e//evil.example",
  "%2f%2fevil.example",
  "/%2f%2fevil.example",
  "/%2F%2Fevil.example",
  "/%5cevil.example",
  "/%5c%5cevil.example",
  "%5c%5cevil.example",
  "/\\evil.example",
  "/\\/evil.example",
  "\\\\evil.example",
  "/./\\evil.example",
  "\\/evil.example",
  "https://evil.example",
  "https:evil.example",
  "https:/evil.example",
  "HTTPS://evil.example",
  "//127.0.0.1:5008@evil.example",
  "/@evil.example",
  "@evil.example",
  "//user:pass@evil.example/",
  "http://127.0.0.1:5008@evil.example/",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "\t//evil.example",
  " //evil.example",
  "/%09/evil.example",
  "/%0a/evil.example",
  "/\u0000/evil.example",
  "javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "evil.example",
  "/\uff0f\uff0fevil.example",
  "\uff0f\uff0fevil.example",
  `/${"a".repeat(5000)}`,
];

/** True when a browser following `location` from a page of `origin` stays on `origin`. */
function staysOnSite(location: string | null, origin: string): boolean {
  if (location === null) return false;
  // A browser strips tabs and newlines and reads "\" as "/" before resolving; so does the URL parser.
  const target = new URL(location, `${origin}/signin`);
  return target.origin === origin && !location.startsWith("//") && !location.startsWith("/\\");
}

describe("safeNextPath", () => {
  const origin = "https://superset.example.com";

  test.each(PAYLOADS.map((payload) => [JSON.stringify(payload), payload] as const))("%s stays on the public origin", (_name, payload) => {
    const next = safeNextPath(payload, origin);
    expect(next.startsWith("/")).toBe(true);
    expect(staysOnSite(next, origin)).toBe(true);
  });

  test("paths of the site keep their path and query, normalised", () => {
    expect(safeNextPath("/oauth/authorize?client_id=x&redirect_uri=https%3A%2F%2Fa.example", origin)).toBe("/oauth/authorize?client_id=x&redirect_uri=https%3A%2F%2Fa.example");
    expect(safeNextPath("/settings/./connections", origin)).toBe("/settings/connections");
    expect(safeNextPath("/a/../settings/connections", origin)).toBe("/settings/connections");
    expect(safeNextPath("/.//evil.example/", origin)).toBe(DEFAULT_NEXT_PATH);
  });
});

describe("the sign-in routes", () => {
  test("a sign-in POST with any payload as next redirects within the site", async () => {
    // Each app allows SIGNIN_ATTEMPTS_PER_WINDOW attempts from one address; a fresh app every few payloads.
    for (let start = 0; start < PAYLOADS.length; start += SIGNIN_ATTEMPTS_PER_WINDOW - 1) {
      const t = await authOnApp();
      const origin = new URL(publicBaseUrl(t.config)).origin;
      const user = await userWithPassword(t.services);
      for (const next of PAYLOADS.slice(start, start + SIGNIN_ATTEMPTS_PER_WINDOW - 1)) {
        const browser = new Browser(t.app);
        const { csrf } = await browser.page("/signin");
        const response = await browser.post("/signin", { csrf_token: csrf, username: user.username, password: PASSWORD, next });
        expect(`${JSON.stringify(next)} → ${response.status}`).toBe(`${JSON.stringify(next)} → 303`);
        expect(staysOnSite(response.headers.get("location"), origin)).toBe(true);
      }
    }
  });

  test("GET /signin while signed in sends any payload within the site", async () => {
    const t = await authOnApp();
    const origin = new URL(publicBaseUrl(t.config)).origin;
    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    await browser.signIn(user.username, PASSWORD);
    for (const next of PAYLOADS) {
      const response = await browser.get(`/signin?next=${encodeURIComponent(next)}`);
      expect(response.status).toBe(303);
      expect(`${JSON.stringify(next)} → ${staysOnSite(response.headers.get("location"), origin)}`).toBe(`${JSON.stringify(next)} → true`);
    }
  });
});
