/**
 * Where a request's credential comes from (docs/authentication.md#credentials): `Authorization: Bearer <token>`
 * with the scheme in any case, else `X-API-Key`. The query string is never a source: a token
 * found there is refused outright rather than silently ignored.
 */

/** Longer than any API key or reasonable JWT; a bigger header is refused without being parsed. */
export const MAX_CREDENTIAL_BYTES = 8 * 1024;

/** Query parameters that carry credentials elsewhere (RFC 6750 §2.3 and common API-key habits). */
const QUERY_CREDENTIAL_PARAMETERS = ["access_token", "api_key", "apikey", "token"];

const BEARER = /^bearer[ \t]+([^\s]+)[ \t]*$/i;

export type CredentialRead =
  | { kind: "none" }
  | { kind: "token"; token: string; source: "authorization" | "x-api-key" }
  /** Something credential-like that can never be accepted; `reason` is for the server log. */
  | { kind: "malformed"; reason: string };

/** Reads the request's credential without verifying it. */
export function readCredential(request: Request): CredentialRead {
  const authorization = request.headers.get("authorization");
  if (authorization !== null) {
    if (authorization.length > MAX_CREDENTIAL_BYTES) return { kind: "malformed", reason: `Authorization header of ${authorization.length} bytes` };
    const match = BEARER.exec(authorization);
    if (!match) return { kind: "malformed", reason: "Authorization header is not of the form 'Bearer <token>'" };
    return { kind: "token", token: match[1]!, source: "authorization" };
  }
  const apiKey = request.headers.get("x-api-key");
  if (apiKey !== null) {
    const token = apiKey.trim();
    if (token.length > MAX_CREDENTIAL_BYTES) return { kind: "malformed", reason: `X-API-Key header of ${token.length} bytes` };
    if (!token || /\s/.test(token)) return { kind: "malformed", reason: "X-API-Key header is empty or contains spaces" };
    return { kind: "token", token, source: "x-api-key" };
  }
  const query = request.url.includes("?") ? new URL(request.url).searchParams : null;
  const inQuery = query && QUERY_CREDENTIAL_PARAMETERS.find((name) => query.has(name));
  if (inQuery) return { kind: "malformed", reason: `credential in the query string ("${inQuery}"), which is never accepted` };
  return { kind: "none" };
}

/** True when the token has the compact JWS shape (three base64url parts), so a JWT verifier should see it. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
