/**
 * The in-process Store: a Map used as a bounded LRU (its insertion order is the recency order, so
 * a read moves the key to the end and the first key is the least recently used). An expired entry
 * is dropped when it is read, or evicted like any other once the store is full; there is no timer.
 */
import type { Store } from "./types.ts";

/** The bound and, for tests, the clock of a memory store. */
export interface MemoryStoreOptions {
  /** How many keys the store holds at most; adding one more evicts the least recently used. */
  maxEntries: number;
  /** The clock in milliseconds; tests pass their own to expire entries without sleeping. */
  now?: () => number;
}

interface Entry {
  value: string;
  expiresAtMs: number;
}

const MS_PER_SECOND = 1000;

/** A Store in this process's memory, holding at most `maxEntries` keys. */
export function createMemoryStore({ maxEntries, now = Date.now }: MemoryStoreOptions): Store {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`maxEntries must be a positive integer, not ${maxEntries}.`);
  const entries = new Map<string, Entry>();

  /** The live entry at `key`, now the most recently used; an expired one is dropped. */
  function touch(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    entries.delete(key);
    if (entry.expiresAtMs <= now()) return undefined;
    entries.set(key, entry);
    return entry;
  }

  function insert(key: string, entry: Entry): void {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  }

  return {
    async get(key) {
      return touch(key)?.value ?? null;
    },
    async set(key, value, ttlSeconds) {
      insert(key, { value, expiresAtMs: now() + ttlSeconds * MS_PER_SECOND });
    },
    async delete(key) {
      entries.delete(key);
    },
    async increment(key, ttlSeconds) {
      const entry = touch(key);
      if (!entry) {
        insert(key, { value: "1", expiresAtMs: now() + ttlSeconds * MS_PER_SECOND });
        return 1;
      }
      const current = /^-?\d+$/.test(entry.value) ? Number(entry.value) : Number.NaN;
      // Redis refuses INCR on a value that is not an integer; so does this backend.
      if (!Number.isSafeInteger(current)) throw new Error(`The value at ${key} is not an integer.`);
      entry.value = String(current + 1);
      return current + 1;
    },
  };
}
