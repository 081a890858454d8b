/**
 * Reads kept until the database may have changed: each entry remembers db.changeStamp() from
 * when it was read, and is used again only while the stamp is the same, so an answer never
 * outlives a write by anyone (this process, another process on the same SQLite file). Where the
 * database has no stamp (PostgreSQL) every read goes to it. Entries are frozen, since every
 * caller shares them, and bounded (least recently used evicted).
 */
import type { Database } from "../db/client.ts";

export interface ReadMemo<T> {
  /** The value of `key` read while nothing changed since, or `load()`'s. */
  get(key: string, load: () => Promise<T>): Promise<T>;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export function createReadMemo<T>(db: Database, maxEntries: number): ReadMemo<T> {
  const entries = new Map<string, { stamp: string; value: T }>();
  return {
    async get(key, load) {
      const stamp = db.changeStamp();
      if (stamp === null) return load();
      const entry = entries.get(key);
      if (entry?.stamp === stamp) {
        // Map order is recency order: move the hit to the end.
        entries.delete(key);
        entries.set(key, entry);
        return entry.value;
      }
      const value = deepFreeze(await load());
      // Stored only if no write happened while loading; otherwise the value may predate it.
      if (db.changeStamp() === stamp) {
        entries.delete(key);
        entries.set(key, { stamp, value });
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      }
      return value;
    },
  };
}
