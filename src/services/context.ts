import type { Database } from "../db/client.ts";

/** What every service is built from: the database and a clock (replaceable in tests). */
export interface ServiceContext {
  db: Database;
  now: () => Date;
}

/** A new lowercase UUID (v4) for a row id. */
export const newId = (): string => crypto.randomUUID();

/** Times leave the services as ISO 8601 UTC strings ending in `Z` (docs/tools.md#conventions). */
export const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);
