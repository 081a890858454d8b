/** Where a page may send the browser after sign-in: only a path on this server, never another site. */

export const DEFAULT_NEXT_PATH = "/settings/api-keys";
/** Long enough for an /oauth/authorize URL with its state and PKCE challenge. */
const MAX_NEXT_LENGTH = 4096;
const INTERNAL_BASE = "http://next.invalid";

/**
 * `next` when it is a same-origin path (starts with one "/", no backslash or control character,
 * which browsers treat as "/" or drop, turning `/\evil.example` into another host), else the default.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || next.length > MAX_NEXT_LENGTH || !next.startsWith("/") || next.startsWith("//")) return DEFAULT_NEXT_PATH;
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return DEFAULT_NEXT_PATH;
  const url = new URL(next, INTERNAL_BASE);
  if (url.origin !== INTERNAL_BASE) return DEFAULT_NEXT_PATH;
  return `${url.pathname}${url.search}`;
}
