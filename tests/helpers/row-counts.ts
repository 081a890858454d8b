/** How many rows each table holds, on either database: for tests that assert a refusal stored nothing. */
import { SQL } from "bun";
import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client.ts";

/** Table name → row count, over every table of the database (SQLite's FTS shadow tables included). */
export async function rowCounts(db: Database, url: string): Promise<Record<string, number>> {
  if (db.dialect === "sqlite") {
    const tables = db.orm.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`);
    return Object.fromEntries(tables.map(({ name }) => [name, db.orm.all<{ n: number }>(sql.raw(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`))[0]!.n]));
  }
  // A connection of its own: the app's pool is typed for SQLite (see src/db/shared.ts).
  const client = new SQL(url, { max: 1 });
  try {
    const tables = (await client`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`) as { tablename: string }[];
    const counts: Record<string, number> = {};
    for (const { tablename } of tables) counts[tablename] = Number(((await client.unsafe(`SELECT count(*) AS n FROM "${tablename.replaceAll('"', '""')}"`)) as { n: string }[])[0]!.n);
    return counts;
  } finally {
    await client.close();
  }
}
