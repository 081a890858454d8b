/**
 * A scripted browser for the web pages through `app.handle`: it keeps cookies as a browser does
 * (Set-Cookie in, Cookie out, Max-Age=0 clears), fills forms with the csrf_token of the page it
 * last loaded, and never follows redirects, so tests see each 303.
 */
import { expect } from "bun:test";
import type { App } from "../../src/server/app.ts";

export const ORIGIN = "http://127.0.0.1:5008";

export type Fields = Record<string, string | string[]>;

export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(readonly app: App) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    return { Host: "127.0.0.1:5008", ...(cookie ? { Cookie: cookie } : {}), ...extra };
  }

  private remember(response: Response): Response {
    for (const line of response.headers.getSetCookie()) {
      const cookie = Bun.Cookie.parse(line);
      if (cookie.maxAge === 0 || cookie.value === "") this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.remember(await this.app.handle(new Request(`${ORIGIN}${path}`, { headers: this.headers(headers) })));
  }

  /** POSTs `fields` urlencoded (repeated names for arrays), as a browser submits a form. */
  async post(path: string, fields: Fields, headers: Record<string, string> = {}): Promise<Response> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) for (const one of ([] as string[]).concat(value)) body.append(name, one);
    const request = new Request(`${ORIGIN}${path}`, {
      method: "POST",
      headers: this.headers({ "Content-Type": "application/x-www-form-urlencoded", Origin: "null", ...headers }),
      body: body.toString(),
    });
    return this.remember(await this.app.handle(request));
  }

  /** Loads `path` and returns its HTML and the csrf_token of its first form. */
  async page(path: string): Promise<{ html: string; csrf: string }> {
    const response = await this.get(path);
    expect(response.status).toBe(200);
    const html = await response.text();
    return { html, csrf: csrfTokenIn(html) };
  }

  /** Signs in through the form; expects the 303 that signs in. */
  async signIn(username: string, password: string, next?: string): Promise<Response> {
    const { csrf } = await this.page(next ? `/signin?next=${encodeURIComponent(next)}` : "/signin");
    const response = await this.post("/signin", { csrf_token: csrf, username, password, ...(next ? { next } : {}) });
    expect(response.status).toBe(303);
    return response;
  }
}

export function csrfTokenIn(html: string): string {
  const match = /name="csrf_token" value="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no csrf_token in the page:\n${html.slice(0, 2000)}`);
  return match[1]!;
}

/** The headers every web page carries (design: Cache-Control, X-Frame-Options, CSP, Referrer-Policy). */
export function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("x-frame-options")).toBe("DENY");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  const csp = response.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toContain("unsafe-inline");
}

/** A markup-breaking name: tags, both quotes, an ampersand. */
export const HOSTILE = `<script>alert("x")</script>'"&<img src=x onerror=alert(1)>`;

/** The page contains HOSTILE only escaped, never as markup. */
export function expectEscaped(html: string): void {
  expect(html).not.toContain("<script>");
  expect(html).not.toContain("<img");
  expect(html).not.toContain(`"x")`);
  expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#x27;&quot;&amp;&lt;img");
}
