/**
 * The shape of a host token (hosts-and-automations.md §Hosts): `sk_host_` followed by the 43
 * base64url characters of 32 random bytes. Like an API key, only the SHA-256 of the whole token
 * and a display prefix are ever stored; the distinct prefix keeps a host token from ever being
 * taken for an API key on the MCP route, and the reverse.
 */
import { sha256Hex } from "./digest.ts";

/** What every host token starts with. */
export const HOST_TOKEN_PREFIX = "sk_host_";

/** 256 random bits: the hash needs no salt or slow function to resist guessing. */
const HOST_TOKEN_RANDOM_BYTES = 32;
/** Characters shown after `sk_host_` in lists, enough to tell registrations apart. */
const DISPLAY_PREFIX_CHARACTERS = 4;
const WELL_FORMED_HOST_TOKEN = /^sk_host_[A-Za-z0-9_-]{43}$/;

/** A freshly generated token: the text given to the operator once, its stored hash and its display prefix. */
export interface GeneratedHostToken {
  token: string;
  hash: string;
  displayPrefix: string;
}

/** A new token from `crypto.getRandomValues`, with its hash and display prefix. */
export function generateHostToken(): GeneratedHostToken {
  const random = crypto.getRandomValues(new Uint8Array(HOST_TOKEN_RANDOM_BYTES));
  const token = HOST_TOKEN_PREFIX + Buffer.from(random).toString("base64url");
  return { token, hash: hashHostToken(token), displayPrefix: hostTokenDisplayPrefix(token) };
}

/** Lowercase hex SHA-256 of the whole token: what `hosts.token_hash` holds. */
export function hashHostToken(token: string): string {
  return sha256Hex(token);
}

/** `sk_host_` plus the first characters after it: how lists name a token without revealing it. */
export function hostTokenDisplayPrefix(token: string): string {
  return token.slice(0, HOST_TOKEN_PREFIX.length + DISPLAY_PREFIX_CHARACTERS);
}

/** True when `text` has exactly the shape of a generated token, so the rest is refused without a lookup. */
export function isWellFormedHostToken(text: string): boolean {
  return WELL_FORMED_HOST_TOKEN.test(text);
}

/** True when `text` claims to be a host token (starts with `sk_host_`), well-formed or not. */
export function looksLikeHostToken(text: string): boolean {
  return text.startsWith(HOST_TOKEN_PREFIX);
}
