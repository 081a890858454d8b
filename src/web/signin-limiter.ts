/**
 * Sign-in attempts per client address and per username, so a password cannot be guessed quickly
 * from one address, nor for one user from many. Every attempt counts, before the password is
 * checked, so a refused attempt costs no password hash. The window slides (the previous fixed
 * window's count fades out over the current one, as in the MCP rate limit), so the turn of a
 * window never hands out a fresh allowance on top of a full one. A store that fails (Redis down)
 * allows the attempt with a logged warning: the password check still runs, only the limit is lost.
 */
import { sha256Hex } from "../auth/digest.ts";
import { log } from "../log.ts";
import type { Store } from "../store/types.ts";

export const SIGNIN_ATTEMPTS_PER_WINDOW = 10;
export const SIGNIN_WINDOW_SECONDS = 5 * 60;

const KEY_PREFIX = "signin";
/** At most one fail-open warning in this time: during an outage every attempt would log one. */
const FAIL_OPEN_WARNING_INTERVAL_MS = 10_000;

export interface SigninLimiterOptions {
  store: Store;
  attempts?: number;
  windowSeconds?: number;
  /** The clock in milliseconds. */
  now?: () => number;
}

export interface SigninLimiter {
  /** Counts one attempt; `allowed` false (with the seconds until the window ends) once either bucket is over its limit. */
  attempt(address: string, username: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
}

export function createSigninLimiter({ store, attempts = SIGNIN_ATTEMPTS_PER_WINDOW, windowSeconds = SIGNIN_WINDOW_SECONDS, now = Date.now }: SigninLimiterOptions): SigninLimiter {
  const windowMs = windowSeconds * 1000;
  let lastWarningMs = -Infinity;
  return {
    async attempt(address, username) {
      const nowMs = now();
      const window = Math.floor(nowMs / windowMs);
      // Usernames are matched exactly at sign-in, but case variants of one name share a bucket.
      const buckets = [`address:${address}`, `username:${sha256Hex(username.toLowerCase())}`];
      const fading = 1 - (nowMs - window * windowMs) / windowMs;
      let used: number[];
      try {
        used = await Promise.all(
          buckets.map(async (bucket) => {
            // The counter must outlive its own window: it is the previous window's count during the next.
            const [current, previous] = await Promise.all([store.increment(`${KEY_PREFIX}:${bucket}:${window}`, 2 * windowSeconds), store.get(`${KEY_PREFIX}:${bucket}:${window - 1}`)]);
            return (Number(previous ?? 0) || 0) * fading + current;
          }),
        );
      } catch (error) {
        if (nowMs - lastWarningMs >= FAIL_OPEN_WARNING_INTERVAL_MS) {
          lastWarningMs = nowMs;
          log.warn("sign-in limit not applied: the store does not answer", { error: error instanceof Error ? error.message : String(error) });
        }
        return { allowed: true };
      }
      if (used.every((count) => count <= attempts)) return { allowed: true };
      // Until the current window ends: by then the attempts counted so far have faded to at most a full window's worth.
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((window + 1) * windowMs - nowMs) / 1000)) };
    },
  };
}
