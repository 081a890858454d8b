/**
 * Which credentials verified recently, so the rate limit may count their requests under their own
 * bucket. Anything else — no credential, a malformed one, or a token never seen to verify — counts
 * under the client address, before it is checked: a fresh invented token per request is limited
 * like an anonymous request (a token hash bucket of its own would never fill). A real token's
 * first request in a while counts under the address too; once authentication accepts it, the
 * mark lets its later requests count under the token. The marks live in the Store (one SET per
 * credential per TTL), so replicas sharing Redis share them.
 */
import { readCredential } from "../../auth/credentials.ts";
import { sha256Hex } from "../../auth/digest.ts";
import type { Store } from "../../store/types.ts";

const KEY_PREFIX = "verified-credential";
/** How long a verified credential keeps its own bucket without verifying again. */
export const VERIFIED_CREDENTIAL_TTL_SECONDS = 3600;

export interface VerifiedCredentials {
  /** The SHA-256 of the request's token when it verified recently, else null (throws when the store fails). */
  knownCredential(request: Request): Promise<string | null>;
  /** Authentication accepted the request's credential: mark it, unless it was already marked. */
  verified(request: Request): Promise<void>;
}

export function createVerifiedCredentials(store: Store, ttlSeconds = VERIFIED_CREDENTIAL_TTL_SECONDS): VerifiedCredentials {
  // Requests whose token was not marked when counted; only those are marked once they verify.
  const unmarked = new WeakMap<Request, string>();
  return {
    async knownCredential(request) {
      const credential = readCredential(request);
      if (credential.kind !== "token") return null;
      const hash = sha256Hex(credential.token);
      if ((await store.get(`${KEY_PREFIX}:${hash}`)) !== null) return hash;
      unmarked.set(request, hash);
      return null;
    },
    async verified(request) {
      const hash = unmarked.get(request);
      if (hash === undefined) return;
      unmarked.delete(request);
      // A store that fails loses only the mark: the next request counts under the address again.
      await store.set(`${KEY_PREFIX}:${hash}`, "1", ttlSeconds).catch(() => undefined);
    },
  };
}
