/**
 * `superset db backup FILE`: a consistent copy of the live SQLite database, taken with
 * `VACUUM INTO` while the server keeps serving and writing. PostgreSQL has its own tool for this;
 * the command names it instead of doing half of its job.
 */
import { Database as SqliteClient } from "bun:sqlite";
import { closeSync, existsSync, fsyncSync, linkSync, openSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { loadConfig } from "../config/load.ts";
import { redactUrl } from "../config/errors.ts";
import { sqlitePath } from "../db/client.ts";
import { CONFIG_OPTION, UsageError, type Command } from "./command.ts";
import { onePositional } from "./shared.ts";

/** The `pg_dump` command that backs up the PostgreSQL database at `url`, without its password (pg_dump asks, or reads PGPASSWORD or ~/.pgpass). */
export function pgDumpCommand(url: string, file: string): string {
  const parsed = new URL(url);
  parsed.password = "";
  const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
  return `pg_dump --format=custom --file=${quote(file)} ${quote(parsed.toString())}`;
}

/** Copies the SQLite database at `source` to `target` (which must not exist) and returns the copy's size in bytes. */
export function backupSqlite(source: string, target: string): number {
  if (existsSync(target)) throw new UsageError(`${target} already exists: name a new file, so no earlier backup is overwritten.`);
  if (!existsSync(source)) throw new UsageError(`There is no database at ${source} to back up.`);
  if (!existsSync(dirname(target))) throw new UsageError(`The directory ${dirname(target)} does not exist.`);
  // A half-written copy must never carry the final name: VACUUM INTO writes a temp file beside
  // the target (same filesystem), which is flushed and then linked to the name. link, unlike
  // rename, fails if the name appeared meanwhile, so even then nothing is overwritten.
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${Date.now()}`);
  // Read-only: a backup taken with a new binary before an upgrade must not migrate the database.
  const client = new SqliteClient(source, { readonly: true });
  try {
    // The server's writers hold the lock for milliseconds; wait for them rather than fail.
    client.run("PRAGMA busy_timeout = 5000");
    client.run("VACUUM INTO ?", [partial]);
    const fd = openSync(partial, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(partial, target);
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "EEXIST") {
      throw new UsageError(`${target} already exists: name a new file, so no earlier backup is overwritten.`);
    }
    throw new UsageError(`Backing up ${source} failed: ${(error as Error).message}`);
  } finally {
    client.close();
    rmSync(partial, { force: true });
  }
  return statSync(target).size;
}

/** `superset db backup FILE`. */
export const dbBackup: Command = {
  path: ["db", "backup"],
  summary: "Copy the SQLite database to FILE, safely while the server runs (on PostgreSQL, prints the pg_dump command to use)",
  positionals: "<FILE>",
  options: { ...CONFIG_OPTION },
  async run(args) {
    const file = resolve(onePositional(args, "<FILE>", "db backup"));
    const { config } = await loadConfig({ path: args.values.config as string | undefined });
    const url = config.DATABASE_URL;
    if (!url.startsWith("sqlite:")) {
      throw new UsageError(`superset db backup copies SQLite databases only; back up PostgreSQL with pg_dump: ${pgDumpCommand(url, file)}`);
    }
    const source = sqlitePath(url);
    if (source === ":memory:") throw new UsageError(`The database ${redactUrl(url)} lives in memory only; there is nothing to back up.`);
    const size = backupSqlite(source, file);
    console.log(`Backed up ${source} to ${file} (${size} bytes, ${(size / 1024 / 1024).toFixed(1)} MiB).`);
    return 0;
  },
};
