/** The shape of a host token (docs/hosts-and-automations.md#hosts): `sk_host_` + 43 base64url characters (see secret-token.ts). */
import { secretTokenFormat } from "./secret-token.ts";

const format = secretTokenFormat("sk_host_");

/** What every host token starts with. */
export const HOST_TOKEN_PREFIX = format.prefix;

/** A new token: the text given to the operator once, its stored hash (`hosts.token_hash`) and its display prefix. */
export function generateHostToken(): { token: string; hash: string; displayPrefix: string } {
  const { secret, hash, displayPrefix } = format.generate();
  return { token: secret, hash, displayPrefix };
}

export const hashHostToken = format.hash;
export const hostTokenDisplayPrefix = format.displayPrefix;
export const isWellFormedHostToken = format.isWellFormed;
export const looksLikeHostToken = format.looksLike;
