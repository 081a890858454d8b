/**
 * Where a page may send the browser after sign-in: only somewhere on this server, never another
 * site. `next` is resolved as a URL against the public origin, as a browser would resolve the
 * Location it becomes, and kept only when the result is same-origin; what is sent on is the
 * normalised path, which can never start with "//" (a browser reads that as another host).
 */

export const DEFAULT_NEXT_PATH = "/settings/api-keys";
/** Long enough for an /oauth/authorize URL with its state and PKCE challenge. */
const MAX_NEXT_LENGTH = 4096;

/**
 * `next` when it names a page of `publicUrl`'s origin, as its path and query; else the default.
 * Only a path is taken (it starts with "/"); a backslash or a control character is refused
 * outright, since browsers read "\" as "/" and drop tabs and newlines, so `/\evil.example` or
 * `/\t/evil.example` would be another host to them even where a parser disagrees.
 */
export function safeNextPath(next: string | null | undefined, publicUrl: string): string {
  if (!next || next.length > MAX_NEXT_LENGTH || !next.startsWith("/")) return DEFAULT_NEXT_PATH;
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return DEFAULT_NEXT_PATH;
  const origin = new URL(publicUrl).origin;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return DEFAULT_NEXT_PATH;
  }
  if (url.origin !== origin || url.username || url.password) return DEFAULT_NEXT_PATH;
  // `/.//evil.example/` is same-origin, but normalises to the path `//evil.example/`.
  if (url.pathname.startsWith("//")) return DEFAULT_NEXT_PATH;
  return `${url.pathname}${url.search}`;
}
