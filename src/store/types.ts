/**
 * Short-lived shared state behind one interface (docs/configuration.md#store): the response cache, rate-limit
 * counters and, later, sessions. The memory backend serves one process; a Redis backend shares the
 * state between replicas. Every method maps to one atomic Redis command (GET, SET … EX, DEL, and for
 * increment one script doing INCR + EXPIRE NX), so no method needs a transaction.
 */

/** Keyed strings that expire. `ttlSeconds` is always a positive whole number of seconds. */
export interface Store {
  /** The value at `key`, or null when it is missing or expired. */
  get(key: string): Promise<string | null>;
  /** Stores `value` at `key`, replacing any value and TTL there; it expires after `ttlSeconds`. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Removes `key`; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Adds 1 to the integer at key (missing = 0); the TTL is set when the key is created; returns the new value. */
  increment(key: string, ttlSeconds: number): Promise<number>;
}

/** A shared store that failed or did not answer in time (Redis down); the message says which command and why. */
export class StoreError extends Error {
  override name = "StoreError";
}
