/**
 * Migrations: the executable embeds every migration drizzle-kit wrote, applying them is
 * idempotent, an older database upgrades with its rows intact, and a SQLite file is opened in WAL
 * mode with foreign keys enforced.
 */
import { describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePostgres } from "drizzle-orm/bun-sql";
import { migrate as migratePostgres } from "drizzle-orm/bun-sql/migrator";
import { migrate as migrateSqlite } from "drizzle-orm/bun-sqlite/migrator";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { EMBEDDED_MIGRATION_FILES, materializeMigrations } from "../../src/db/migrations/index.ts";
import { createServices } from "../../src/services/index.ts";
import { LIST_FILE, renderMigrationList } from "../../scripts/db/migrations-list.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { createTeam } from "../helpers/fixtures.ts";

const MIGRATIONS_DIR = join(import.meta.dir, "../../src/db/migrations");
const DIALECTS = ["sqlite", "postgres"] as const;

function journalTags(dialect: (typeof DIALECTS)[number]): string[] {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, dialect, "meta/_journal.json"), "utf8")) as { entries: { tag: string }[] };
  return journal.entries.map((entry) => entry.tag);
}

/** Plain SQL on the database under test: SQLite through its own connection, PostgreSQL through a second one. */
async function query(db: Database, url: string, text: string): Promise<Record<string, unknown>[]> {
  if (db.dialect === "sqlite") return db.orm.all(sql.raw(text));
  const client = new SQL(url, { max: 1 });
  try {
    return [...(await client.unsafe(text))];
  } finally {
    await client.close();
  }
}

const appliedCount = async (db: Database, url: string) =>
  Number((await query(db, url, `SELECT count(*) AS n FROM ${db.dialect === "sqlite" ? "__drizzle_migrations" : "drizzle.__drizzle_migrations"}`))[0]!.n);

describe("embedded migrations", () => {
  test("the committed list is what npm run db:migrations writes from the journals", () => {
    expect(readFileSync(LIST_FILE, "utf8")).toBe(renderMigrationList());
  });

  for (const dialect of DIALECTS) {
    test(`${dialect}: every journal entry is embedded with the file's exact text`, () => {
      const tags = journalTags(dialect);
      expect(tags.length).toBeGreaterThan(0);
      expect(Object.keys(EMBEDDED_MIGRATION_FILES[dialect]).sort()).toEqual([...tags].sort());
      for (const tag of tags) expect(EMBEDDED_MIGRATION_FILES[dialect][tag]).toBe(readFileSync(join(MIGRATIONS_DIR, dialect, `${tag}.sql`), "utf8"));
    });

    test(`${dialect}: every .sql file is in the journal`, () => {
      const files = readdirSync(join(MIGRATIONS_DIR, dialect)).filter((name) => name.endsWith(".sql"));
      expect(files.map((name) => name.replace(/\.sql$/, "")).sort()).toEqual(journalTags(dialect).sort());
    });
  }
});

describeEachDatabase("migrate", (suite) => {
  test("all migrations are recorded, and migrating again changes nothing", async () => {
    const dialect = suite.db.dialect;
    expect(await appliedCount(suite.db, suite.url)).toBe(journalTags(dialect).length);
    const team = await createTeam(suite.services);
    const task = await suite.services.tasks.create(team.member, { title: "Survives migrate" });
    await suite.db.migrate();
    await suite.db.migrate();
    expect(await appliedCount(suite.db, suite.url)).toBe(journalTags(dialect).length);
    expect(await suite.services.tasks.get(team.member, task.id)).toEqual(task);
    expect((await suite.services.tasks.list(team.member, { search: "survives", limit: 10, offset: 0 })).items).toHaveLength(1);
  });

  test("0002_updated_at upgrades a database with rows: updated_at takes created_at", async () => {
    const { db, url, dispose } = await suite.open({ migrate: false });
    try {
      const folder = materializeMigrations(db.dialect);
      try {
        const journalPath = join(folder, "meta/_journal.json");
        const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
        writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.filter((entry) => entry.tag < "0002") }));
        if (db.dialect === "sqlite") migrateSqlite(db.orm, { migrationsFolder: folder });
        else await withPostgres(url, (client) => migratePostgres(drizzlePostgres({ client }), { migrationsFolder: folder }));
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
      const createdAt = db.dialect === "sqlite" ? "1700000000000" : "'2023-11-14T22:13:20Z'";
      await query(db, url, `INSERT INTO organizations (id, name, slug, created_at) VALUES ('0b0e0b0e-0000-4000-8000-000000000001', 'Old', 'old', ${createdAt})`);
      await db.migrate();
      const [organization] = await createServices(db).accounts.listOrganizations();
      expect(organization).toMatchObject({ slug: "old", createdAt: "2023-11-14T22:13:20.000Z", members: 0 });
      const [row] = await db.orm.select().from(db.tables.organizations);
      expect(row!.updatedAt.toISOString()).toBe("2023-11-14T22:13:20.000Z");
    } finally {
      await dispose();
    }
  });
});

async function withPostgres<T>(url: string, run: (client: SQL) => Promise<T>): Promise<T> {
  const client = new SQL(url, { max: 1 });
  try {
    return await run(client);
  } finally {
    await client.close();
  }
}

describe("SQLite file database", () => {
  test("is in WAL mode with foreign keys on, and keeps its data across reopening", async () => {
    const dir = mkdtempSync(join(tmpdir(), "superset-db-"));
    try {
      const url = `sqlite://${join(dir, "nested", "superset.db")}`;
      const first = openDatabase(url);
      await first.migrate();
      expect(await query(first, url, "PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
      expect(await query(first, url, "PRAGMA foreign_keys")).toEqual([{ foreign_keys: 1 }]);
      const organization = await createServices(first).accounts.createOrganization({ name: "Kept", slug: "kept" });
      // Foreign keys are enforced: a membership of a user that does not exist is refused.
      let refused: unknown;
      try {
        first.orm.run(sql`INSERT INTO memberships (organization_id, user_id, role) VALUES (${organization.id}, 'no-such-user', 'owner')`);
      } catch (error) {
        refused = error;
      }
      expect(String((refused as Error | undefined)?.cause)).toContain("FOREIGN KEY constraint failed");
      await first.close();

      const second = openDatabase(url);
      await second.migrate();
      expect(await appliedCount(second, url)).toBe(journalTags("sqlite").length);
      expect(await query(second, url, "PRAGMA foreign_keys")).toEqual([{ foreign_keys: 1 }]);
      expect((await createServices(second).accounts.listOrganizations()).map((o) => o.slug)).toEqual(["kept"]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
