/**
 * The shape of an API key (auth.md §API keys): `sk_live_` followed by the 43 base64url characters
 * of 32 random bytes. Only the SHA-256 of the whole key and a display prefix are ever stored.
 */
import { sha256Hex } from "./digest.ts";

/** What every API key starts with; the pipeline routes any bearer token starting so to API-key verification. */
export const API_KEY_PREFIX = "sk_live_";

/** Random bytes behind a key: 256 bits, so the hash needs no salt or slow function to resist guessing. */
const API_KEY_RANDOM_BYTES = 32;
/** Characters of the prefix shown after `sk_live_` in lists, enough to tell one's keys apart. */
const DISPLAY_PREFIX_CHARACTERS = 4;
/** 32 bytes are 43 base64url characters without padding. */
const WELL_FORMED_API_KEY = /^sk_live_[A-Za-z0-9_-]{43}$/;

/** A freshly generated key: the text given to its owner once, its stored hash and its display prefix. */
export interface GeneratedApiKey {
  key: string;
  hash: string;
  displayPrefix: string;
}

/** A new key from `crypto.getRandomValues`, with its hash and display prefix. */
export function generateApiKey(): GeneratedApiKey {
  const random = crypto.getRandomValues(new Uint8Array(API_KEY_RANDOM_BYTES));
  const key = API_KEY_PREFIX + Buffer.from(random).toString("base64url");
  return { key, hash: hashApiKey(key), displayPrefix: displayPrefixOf(key) };
}

/** Lowercase hex SHA-256 of the whole key: what `api_keys.key_hash` holds and lookups compare. */
export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

/** `sk_live_` plus the first characters after it: how lists name a key without revealing it. */
export function displayPrefixOf(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + DISPLAY_PREFIX_CHARACTERS);
}

/** True when `text` has exactly the shape of a generated key (no database lookup needed to refuse the rest). */
export function isWellFormedApiKey(text: string): boolean {
  return WELL_FORMED_API_KEY.test(text);
}

/** True when `text` claims to be an API key (starts with `sk_live_`), well-formed or not. */
export function looksLikeApiKey(text: string): boolean {
  return text.startsWith(API_KEY_PREFIX);
}
