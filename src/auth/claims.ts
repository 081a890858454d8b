/**
 * What a verified token's claims say about its holder (docs/authentication.md#external-jwts): the username, in
 * the documented order, the organization, the scopes and the client.
 */
import type { JWTPayload } from "jose";

export type TokenClaims = JWTPayload & Record<string, unknown>;

const text = (value: unknown): string | null => (typeof value === "string" && value.trim() ? value.trim() : null);

/**
 * The first non-empty of `sub`, `client_id`, `email`, `username`. Superset's original lists the subject twice
 * (through FastMCP's access token, then the raw payload); both are the `sub` claim here.
 */
export function usernameFromClaims(claims: TokenClaims): string | null {
  return text(claims.sub) ?? text(claims.client_id) ?? text(claims.email) ?? text(claims.username);
}

/** `organizationId` (an id), else `org` or `org_id` (an id or a slug); null means the user's default organization. */
export function organizationFromClaims(claims: TokenClaims): string | null {
  return text(claims.organizationId) ?? text(claims.org) ?? text(claims.org_id);
}

/** Scopes from `scope` (space-separated) or `scp` (a string or an array of strings). */
export function scopesFromClaims(claims: TokenClaims): string[] {
  const raw = claims.scope ?? claims.scp;
  const list = typeof raw === "string" ? raw.split(/\s+/) : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === "string") : [];
  return [...new Set(list.filter(Boolean))];
}

/** The OAuth client the token was issued to, when it says. */
export function clientIdFromClaims(claims: TokenClaims): string | null {
  return text(claims.client_id) ?? text(claims.azp);
}
