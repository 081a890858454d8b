/**
 * The column kinds of the PostgreSQL schema under the names both dialects use (the twin of
 * ./sqlite-columns.ts), so the table bodies of ./postgres.ts and ./sqlite.ts read alike, line
 * for line. A kind added here is added there too; tests/db/dialects.test.ts compares the tables.
 */
import { boolean as pgBoolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export { index, integer, primaryKey, text, uniqueIndex, uuid };

/** A table of this dialect. */
export const table = pgTable;

/** A true/false column. */
export const boolean = (name: string) => pgBoolean(name);

/** A point in time, read as a Date (timestamptz, millisecond precision). */
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** A JSON value of type T. */
export const json = <T>(name: string) => jsonb(name).$type<T>();

/** When the row was written; the database sets it. */
export const createdAt = () => at("created_at").notNull().defaultNow();

/** When the row last changed; set on insert by the database, on update by the services. */
export const updatedAt = () => at("updated_at").notNull().defaultNow();
