/**
 * CSRF tokens (MCP_CSRF_CONFIG): `<issued-at seconds>.<HMAC-SHA256(SECRET_KEY, binding, issued-at)>`,
 * where the binding is a secret the browser holds in an HttpOnly cookie (its session, or an
 * anonymous cookie before sign-in). A page on another site can make the browser send the cookie
 * but cannot read a token, and a token read from one browser is worthless with another's cookie.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const TOKEN_PATTERN = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;
/** A token issued by a replica whose clock is this far ahead is still accepted. */
const CLOCK_SKEW_SECONDS = 60;

function mac(secretKey: string, binding: string, issuedAtSeconds: number): Buffer {
  // The label keeps these MACs apart from anything else SECRET_KEY may sign.
  return createHmac("sha256", secretKey).update(`superset-csrf\0${binding}\0${issuedAtSeconds}`).digest();
}

export function issueCsrfToken(secretKey: string, binding: string, nowSeconds: number): string {
  return `${nowSeconds}.${mac(secretKey, binding, nowSeconds).toString("base64url")}`;
}

/** True when `token` was issued for `binding` with this key at most `maxAgeSeconds` ago. */
export function isValidCsrfToken(secretKey: string, binding: string, token: string, nowSeconds: number, maxAgeSeconds: number): boolean {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return false;
  const issuedAt = Number(match[1]);
  if (issuedAt > nowSeconds + CLOCK_SKEW_SECONDS || nowSeconds - issuedAt > maxAgeSeconds) return false;
  return timingSafeEqual(Buffer.from(match[2]!, "base64url"), mac(secretKey, binding, issuedAt));
}
