/**
 * Opens the database named by DATABASE_URL: SQLite through bun:sqlite (default) or PostgreSQL
 * through Bun's built-in SQL client, both behind drizzle-orm, and applies the embedded migrations.
 */
import { Database as SqliteClient } from "bun:sqlite";
import { SQL } from "bun";
import { rmSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { drizzle as drizzleSqlite, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { migrate as migrateSqlite } from "drizzle-orm/bun-sqlite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/bun-sql";
import { migrate as migratePostgres } from "drizzle-orm/bun-sql/migrator";
import { fillPlaceholders, sql } from "drizzle-orm";
import { materializeMigrations } from "./migrations/index.ts";
import * as postgresSchema from "./schema/postgres.ts";
import * as sqliteSchema from "./schema/sqlite.ts";
import { shareDialect } from "./shared.ts";

/** The drizzle database every service is written against (see ./shared.ts for why one type serves both). */
export type Orm = BunSQLiteDatabase<typeof sqliteSchema>;
export type Dialect = "sqlite" | "postgres";

export type Tables = typeof sqliteSchema;

/** A built query (a drizzle select, not executed): what prepareValues needs from it. */
export interface BuiltQuery {
  toSQL(): { sql: string; params: unknown[] };
}

/** Runs a prepared query with its placeholders' values; resolves to its rows as arrays in select order, decoded by the driver only. */
export type ValuesQuery = (values: Record<string, unknown>) => Promise<unknown[][]>;

export interface Database {
  dialect: Dialect;
  orm: Orm;
  /** The table objects of this database's own dialect; queries must be built from these. */
  tables: Tables;
  /** Applies the migrations that have not run yet. */
  migrate(): Promise<void>;
  /**
   * Prepares `query` once, for a hot path: its rows come back as the driver's arrays, without
   * drizzle's per-column mapping (on a 20-task page that mapping cost as much as the query).
   * The caller decodes the values: SQLite gives timestamps as integer milliseconds and JSON as
   * text, PostgreSQL gives Date objects and parsed JSON.
   */
  prepareValues(query: BuiltQuery): ValuesQuery;
  /**
   * A value that differs after any write anyone committed since it was read, or null when the
   * database has no cheap exact one (PostgreSQL) or a transaction is open on this connection (its
   * writes may still roll back). Lets a read be reused until the data may have changed.
   */
  changeStamp(): string | null;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where a `sqlite://` URL points: a file path, or `:memory:`. */
export function sqlitePath(url: string): string {
  const rest = url.replace(/^sqlite:(\/\/)?/, "");
  return rest === ":memory:" || rest === "" ? ":memory:" : resolve(rest);
}

export function openDatabase(url: string): Database {
  if (url.startsWith("sqlite:")) return openSqlite(sqlitePath(url));
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return openPostgres(url);
  throw new Error(`DATABASE_URL must start with sqlite:// or postgres:// (got "${url.split(":")[0]}:").`);
}

function openSqlite(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const client = new SqliteClient(path, { create: true, strict: true });
  // WAL lets readers go on while one writer commits; busy_timeout waits out a concurrent CLI write.
  client.run("PRAGMA journal_mode = WAL");
  client.run("PRAGMA synchronous = NORMAL");
  client.run("PRAGMA foreign_keys = ON");
  client.run("PRAGMA busy_timeout = 5000");
  const orm = drizzleSqlite({ client, schema: sqliteSchema });
  const stamp = client.prepare("SELECT total_changes(), data_version FROM pragma_data_version");
  return {
    dialect: "sqlite",
    orm,
    tables: sqliteSchema,
    changeStamp() {
      // total_changes() counts this connection's writes; data_version moves when another connection commits one.
      return client.inTransaction ? null : stamp.values()[0]!.join(":");
    },
    prepareValues(query) {
      const { sql: text, params } = query.toSQL();
      const statement = client.prepare(text);
      return async (values) => statement.values(...(fillPlaceholders(params, values) as never[])) as unknown[][];
    },
    async migrate() {
      const folder = materializeMigrations("sqlite");
      try {
        migrateSqlite(orm, { migrationsFolder: folder });
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
    async ping() {
      client.query("SELECT 1").get();
    },
    async close() {
      client.close();
    },
  };
}

function openPostgres(url: string): Database {
  const client = new SQL(url, { max: 10, idleTimeout: 30 });
  const orm = drizzlePostgres({ client, schema: postgresSchema });
  return {
    dialect: "postgres",
    ...shareDialect(orm, postgresSchema),
    changeStamp: () => null,
    prepareValues(query) {
      const { sql: text, params } = query.toSQL();
      // Bun's SQL client prepares a parameterised query on first use on each connection.
      return async (values) => (await client.unsafe(text, fillPlaceholders(params, values)).values()) as unknown[][];
    },
    async migrate() {
      const folder = materializeMigrations("postgres");
      try {
        await migratePostgres(orm, { migrationsFolder: folder });
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
    async ping() {
      await orm.execute(sql`SELECT 1`);
    },
    async close() {
      await client.close();
    },
  };
}
