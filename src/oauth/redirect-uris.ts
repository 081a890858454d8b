/**
 * Redirect URIs: which a client may register (MCP authorization spec §Communication security:
 * https, loopback http, or a private-use scheme of a native app, RFC 8252 §7.1) and whether the
 * one in an authorization request is one of them (exact match, except the port of a loopback
 * URI, which native clients pick at run time, RFC 8252 §7.3).
 */

export const MAX_REDIRECT_URIS = 10;
export const MAX_REDIRECT_URI_LENGTH = 2000;

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** Schemes that run code or read local data in a browser instead of reaching an app. */
const FORBIDDEN_SCHEMES = new Set(["javascript:", "data:", "vbscript:", "file:", "blob:", "about:", "filesystem:", "ws:", "wss:", "ftp:"]);

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
}

/** Why `uri` cannot be registered, or null when it can. */
export function redirectUriProblem(uri: string): string | null {
  if (uri.length > MAX_REDIRECT_URI_LENGTH) return `a redirect URI is longer than ${MAX_REDIRECT_URI_LENGTH} characters`;
  if (!URL.canParse(uri)) return `redirect URI "${uri}" is not an absolute URI`;
  const url = new URL(uri);
  if (url.hash || uri.includes("#")) return `redirect URI "${uri}" has a fragment, which RFC 6749 §3.1.2 forbids`;
  if (url.username || url.password) return `redirect URI "${uri}" carries credentials`;
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") return isLoopbackHttp(url) ? null : `redirect URI "${uri}" uses http:// on a host that is not loopback; use https://, or http://127.0.0.1 for a native app`;
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `redirect URI "${uri}" uses the ${url.protocol} scheme, which cannot return to an app`;
  return null;
}

/** True when the redirect URI of an authorization request is one the client registered. */
export function redirectUriMatches(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  if (!URL.canParse(requested)) return false;
  const wanted = new URL(requested);
  if (!isLoopbackHttp(wanted)) return false;
  return registered.some((uri) => {
    const known = new URL(uri);
    return isLoopbackHttp(known) && known.hostname === wanted.hostname && known.pathname === wanted.pathname && known.search === wanted.search;
  });
}
