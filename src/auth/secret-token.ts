/**
 * The one shape of the server's bearer secrets (API keys, host tokens): a fixed prefix followed by
 * the 43 base64url characters of 32 random bytes. Only the SHA-256 of the whole secret and a
 * display prefix are ever stored; 256 random bits need no salt or slow hash to resist guessing.
 * Distinct prefixes keep one kind of secret from ever being taken for another.
 */
import { sha256Hex } from "./digest.ts";

const RANDOM_BYTES = 32;
/** Characters shown after the prefix in lists, enough to tell one's secrets apart. */
const DISPLAY_PREFIX_CHARACTERS = 4;

/** A freshly generated secret: the text given out once, its stored hash and its display prefix. */
export interface GeneratedSecret {
  secret: string;
  hash: string;
  displayPrefix: string;
}

export function secretTokenFormat(prefix: string) {
  // 32 bytes are 43 base64url characters without padding.
  const wellFormed = new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`);
  const hash = (secret: string): string => sha256Hex(secret);
  const displayPrefix = (secret: string): string => secret.slice(0, prefix.length + DISPLAY_PREFIX_CHARACTERS);
  return {
    prefix,
    /** A new secret from `crypto.getRandomValues`, with its hash and display prefix. */
    generate(): GeneratedSecret {
      const secret = prefix + Buffer.from(crypto.getRandomValues(new Uint8Array(RANDOM_BYTES))).toString("base64url");
      return { secret, hash: hash(secret), displayPrefix: displayPrefix(secret) };
    },
    /** Lowercase hex SHA-256 of the whole secret: what the database holds and lookups compare. */
    hash,
    /** The prefix plus the first characters after it: how lists name a secret without revealing it. */
    displayPrefix,
    /** Exactly the shape of a generated secret, so the rest is refused without a lookup. */
    isWellFormed: (text: string): boolean => wellFormed.test(text),
    /** Claims to be this kind of secret (starts with the prefix), well-formed or not. */
    looksLike: (text: string): boolean => text.startsWith(prefix),
  };
}
