/**
 * One service layer for two dialects. The SQLite and PostgreSQL schemas declare the same tables
 * with the same column names and the same JavaScript types (checked below at compile time), and
 * drizzle turns the query builders' calls into dialect-specific SQL at run time from the table
 * objects it was given. So services are typed against the SQLite database and a PostgreSQL
 * database is handed to them through this one bridge; the contract tests in tests/services run
 * every service against both databases to keep the claim honest.
 */
import type { InferSelectModel, Table } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import type { BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import type * as postgresSchema from "./schema/postgres.ts";
import type * as sqliteSchema from "./schema/sqlite.ts";

type SharedTable =
  | "organizations"
  | "users"
  | "memberships"
  | "taskStatuses"
  | "tasks"
  | "apiKeys"
  | "hosts"
  | "hostAccess"
  | "hostProjects"
  | "hostWorkspaces"
  | "automations"
  | "automationPromptVersions"
  | "automationRuns"
  | "signingKeys"
  | "oauthClients"
  | "oauthGrants"
  | "oauthCodes"
  | "oauthRefreshTokens"
  | "webSessions";
type Rows<S extends Record<SharedTable, Table>> = { [K in SharedTable]: InferSelectModel<S[K]> };
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails to compile when a shared table's row type differs between the two dialects. */
const ROW_TYPES_MATCH: Equal<Rows<typeof sqliteSchema>, Rows<typeof postgresSchema>> = true;
void ROW_TYPES_MATCH;

/** The PostgreSQL database and its tables, typed as their SQLite twins (the one cast of the project). */
export function shareDialect(orm: BunSQLDatabase<typeof postgresSchema>, tables: typeof postgresSchema): { orm: BunSQLiteDatabase<typeof sqliteSchema>; tables: typeof sqliteSchema } {
  return { orm: orm as unknown as BunSQLiteDatabase<typeof sqliteSchema>, tables: tables as unknown as typeof sqliteSchema };
}
