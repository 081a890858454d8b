/** Random secrets for the OAuth server and the web sessions: only their SHA-256 is ever stored. */
import { timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../auth/digest.ts";

/** `bytes` random bytes from crypto.getRandomValues as base64url (32 bytes: 43 characters). */
export function randomToken(bytes = 32): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");
}

/** What the database keys a token by: lowercase hex SHA-256. */
export const hashToken = sha256Hex;

/** True when `secret` hashes to `storedHash`, compared in constant time. */
export function matchesHash(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashToken(secret), "utf8");
  const expected = Buffer.from(storedHash, "utf8");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
