/**
 * The two dialect schemas declare the same tables: the same columns (name, nullability, default,
 * key, kind), indexes (name, columns, uniqueness, partial condition), unique constraints, primary
 * keys and foreign keys with their onDelete, read from drizzle's own table configs. PostgreSQL's
 * search table is the one table of one dialect (SQLite searches with LIKE over `tasks`).
 */
import { describe, expect, test } from "bun:test";
import { getTableName, is, Table, type SQL } from "drizzle-orm";
import * as pg from "drizzle-orm/pg-core";
import * as sqlite from "drizzle-orm/sqlite-core";
import * as postgresSchema from "../../src/db/schema/postgres.ts";
import * as sqliteSchema from "../../src/db/schema/sqlite.ts";

/** Tables only one dialect has, and why they may. */
const POSTGRES_ONLY = ["task_search"];

/** Column kinds as both dialects store them: a drizzle column type maps to the kind it stands for. */
const KIND: Record<string, string> = {
  PgUUID: "text",
  PgText: "text",
  SQLiteText: "text",
  PgInteger: "integer",
  SQLiteInteger: "integer",
  PgBoolean: "boolean",
  SQLiteBoolean: "boolean",
  PgTimestamp: "time",
  SQLiteTimestamp: "time",
  PgJsonb: "json",
  SQLiteTextJson: "json",
};

type Config = ReturnType<typeof pg.getTableConfig> | ReturnType<typeof sqlite.getTableConfig>;
type AnyColumn = Config["columns"][number];

function kindOf(column: AnyColumn): string {
  const kind = KIND[column.columnType];
  if (!kind) throw new Error(`Column ${column.name} has type ${column.columnType}, which tests/db/dialects.test.ts does not map to a kind yet.`);
  return kind;
}

const names = (columns: { name: string }[]) => columns.map((column) => column.name);

/** One table as a plain value, comparable across dialects; `render` turns a partial index's condition into SQL text. */
function describeTable(config: Config, render: (where: SQL) => string) {
  const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));
  return {
    columns: config.columns.map((column) => ({
      name: column.name,
      kind: kindOf(column),
      notNull: column.notNull,
      hasDefault: column.hasDefault,
      primary: column.primary,
      unique: column.isUnique,
    })),
    primaryKeys: config.primaryKeys.map((key) => names(key.columns)),
    uniqueConstraints: config.uniqueConstraints.map((constraint) => names(constraint.columns)),
    indexes: byName(
      config.indexes.map(({ config: index }) => ({
        name: index.name ?? "(unnamed)",
        columns: (index.columns as { name?: string }[]).map((column) => column.name ?? "(expression)"),
        unique: index.unique,
        where: index.where ? render(index.where) : null,
      })),
    ),
    foreignKeys: byName(
      config.foreignKeys.map((key) => {
        const reference = key.reference();
        return {
          name: key.getName(),
          columns: names(reference.columns),
          table: getTableName(reference.foreignTable),
          foreignColumns: names(reference.foreignColumns),
          onDelete: key.onDelete ?? "no action",
          onUpdate: key.onUpdate ?? "no action",
        };
      }),
    ),
  };
}

const sqliteDialect = new sqlite.SQLiteSyncDialect();
const postgresDialect = new pg.PgDialect();

function tablesOf(schema: Record<string, unknown>): Map<string, Table> {
  const tables = Object.values(schema).filter((value): value is Table => is(value, Table));
  return new Map(tables.map((table) => [getTableName(table), table]));
}

const sqliteTables = tablesOf(sqliteSchema);
const postgresTables = tablesOf(postgresSchema);

const describeSqlite = (table: Table) => describeTable(sqlite.getTableConfig(table as sqlite.SQLiteTable), (where) => sqliteDialect.sqlToQuery(where).sql);
const describePostgres = (table: Table) => describeTable(pg.getTableConfig(table as pg.PgTable), (where) => postgresDialect.sqlToQuery(where).sql);

describe("dialect schemas", () => {
  test("declare the same tables", () => {
    expect([...sqliteTables.keys()].sort()).toEqual([...postgresTables.keys()].filter((name) => !POSTGRES_ONLY.includes(name)).sort());
    expect(sqliteTables.size).toBeGreaterThan(10);
  });

  for (const [name, sqliteTable] of sqliteTables) {
    test(`${name}: same columns, keys, indexes and foreign keys`, () => {
      const postgresTable = postgresTables.get(name);
      expect(postgresTable).toBeDefined();
      expect(describeSqlite(sqliteTable)).toEqual(describePostgres(postgresTable!));
    });
  }

  test("the comparison sees a difference of onDelete, nullability and kind", () => {
    const parentS = sqlite.sqliteTable("parent", { id: sqlite.text("id").primaryKey() });
    const parentP = pg.pgTable("parent", { id: pg.uuid("id").primaryKey() });
    const childS = sqlite.sqliteTable("child", {
      parentId: sqlite
        .text("parent_id")
        .notNull()
        .references(() => parentS.id, { onDelete: "cascade" }),
    });
    const childP = pg.pgTable("child", {
      parentId: pg
        .uuid("parent_id")
        .notNull()
        .references(() => parentP.id, { onDelete: "set null" }),
    });
    expect(describeSqlite(childS).foreignKeys[0]!.onDelete).toBe("cascade");
    expect(describeSqlite(childS)).not.toEqual(describePostgres(childP));
    const nullable = pg.pgTable("child", { parentId: pg.uuid("parent_id").references(() => parentP.id, { onDelete: "cascade" }) });
    expect(describeSqlite(childS)).not.toEqual(describePostgres(nullable));
    const integerId = pg.pgTable("child", {
      parentId: pg
        .integer("parent_id")
        .notNull()
        .references(() => parentP.id, { onDelete: "cascade" }),
    });
    expect(describeSqlite(childS).columns).not.toEqual(describePostgres(integerId).columns);
  });
});
