/**
 * The column kinds of the SQLite schema under the names both dialects use (the twin of
 * ./postgres-columns.ts), so the table bodies of ./sqlite.ts and ./postgres.ts read alike, line
 * for line. SQLite has no uuid, boolean or timestamp type: ids are text, booleans and times
 * integers (milliseconds since the epoch), JSON is text.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export { index, integer, primaryKey, text, uniqueIndex };

/** A table of this dialect. */
export const table = sqliteTable;

/** An id (a UUID in text). */
export const uuid = (name: string) => text(name);

/** A true/false column. */
export const boolean = (name: string) => integer(name, { mode: "boolean" });

/** A point in time, read as a Date (milliseconds since the epoch). */
export const at = (name: string) => integer(name, { mode: "timestamp_ms" });

/** A JSON value of type T. */
export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();

const nowMs = sql`(unixepoch('subsec') * 1000)`;

/** When the row was written; the database sets it. */
export const createdAt = () => at("created_at").notNull().default(nowMs);

/** When the row last changed; set on insert by the database, on update by the services. */
export const updatedAt = () => at("updated_at").notNull().default(nowMs);
