/**
 * How every web page leaves the server: HTML with the security headers of the design (no caching,
 * no framing, a strict Content-Security-Policy, no referrer), and the redirects between pages.
 */
import type { SafeHtml } from "./html.ts";

/** A private-use scheme as a CSP scheme-source (`cursor:`); anything else is not representable. */
const SCHEME_SOURCE = /^[a-z][a-z0-9+.-]*:$/;
/** An http(s) origin safe to place in a CSP header: no spaces, semicolons or commas. */
const ORIGIN_SOURCE = /^https?:\/\/[A-Za-z0-9.\-]+(?::\d+)?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d+)?$/;

/**
 * The CSP source that lets a form's submission be redirected to `uri`: its origin for http(s),
 * its scheme for a native app's private-use URI; null when it cannot be expressed safely.
 */
export function formActionSource(uri: string): string | null {
  if (!URL.canParse(uri)) return null;
  const url = new URL(uri);
  if (url.protocol === "http:" || url.protocol === "https:") return ORIGIN_SOURCE.test(url.origin) ? url.origin : null;
  return SCHEME_SOURCE.test(url.protocol) ? url.protocol : null;
}

/**
 * The Content-Security-Policy of a page. `redirectTargets` are the URIs a form's POST may be
 * redirected to (the consent page answers 303 to the client's redirect URI, and Chromium applies
 * form-action to that redirect); when one of them cannot be written as a source, form-action is
 * left out rather than break the flow.
 */
export function contentSecurityPolicy(redirectTargets: readonly string[] = []): string {
  const sources = redirectTargets.map(formActionSource);
  const formAction = sources.includes(null) ? null : ["'self'", ...new Set(sources)].join(" ");
  return ["default-src 'none'", "style-src 'self'", "script-src 'self'", "img-src 'self'", "base-uri 'none'", "frame-ancestors 'none'", ...(formAction ? [`form-action ${formAction}`] : [])].join(
    "; ",
  );
}

/** The headers every web answer carries, HTML or redirect. */
export function securityHeaders(redirectTargets: readonly string[] = []): Record<string, string> {
  return {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": contentSecurityPolicy(redirectTargets),
  };
}

export interface HtmlResponseOptions {
  status?: number;
  headers?: Record<string, string>;
  /** Set-Cookie values, each its own header. */
  setCookie?: readonly string[];
  /** URIs a form on this page may end up redirected to (see contentSecurityPolicy). */
  redirectTargets?: readonly string[];
}

function withCookies(headers: Headers, setCookie: readonly string[]): Headers {
  for (const cookie of setCookie) headers.append("Set-Cookie", cookie);
  return headers;
}

/** A page: `body` is a whole document from `layout`. */
export function htmlResponse(body: string | SafeHtml, options: HtmlResponseOptions = {}): Response {
  const headers = new Headers({ ...securityHeaders(options.redirectTargets), "Content-Type": "text/html; charset=utf-8", ...options.headers });
  return new Response(String(body), { status: options.status ?? 200, headers: withCookies(headers, options.setCookie ?? []) });
}

/** 303 See Other to a same-origin path (after a POST, so a reload does not post again). */
export function seeOther(location: string, setCookie: readonly string[] = []): Response {
  const headers = new Headers({ ...securityHeaders(), Location: location });
  return new Response(null, { status: 303, headers: withCookies(headers, setCookie) });
}
