/** The shape of an API key (docs/authentication.md#api-keys): `sk_live_` + 43 base64url characters (see secret-token.ts). */
import { secretTokenFormat } from "./secret-token.ts";

const format = secretTokenFormat("sk_live_");

/** What every API key starts with; the pipeline routes any bearer token starting so to API-key verification. */
export const API_KEY_PREFIX = format.prefix;

/** A new key: the text given to its owner once, its stored hash (`api_keys.key_hash`) and its display prefix. */
export function generateApiKey(): { key: string; hash: string; displayPrefix: string } {
  const { secret, hash, displayPrefix } = format.generate();
  return { key: secret, hash, displayPrefix };
}

export const hashApiKey = format.hash;
export const displayPrefixOf = format.displayPrefix;
export const isWellFormedApiKey = format.isWellFormed;
export const looksLikeApiKey = format.looksLike;
