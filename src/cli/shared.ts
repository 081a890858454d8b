/**
 * What the database commands share: open the configured database (migrated, so a fresh install
 * needs no separate step), hand the services to the command, close; plus argument checks and a
 * plain table printer.
 */
import { loadConfig } from "../config/load.ts";
import { redactUrl } from "../config/errors.ts";
import { openDatabase, type Database } from "../db/client.ts";
import { MEMBER_ROLES, type MemberRole } from "../db/schema/values.ts";
import { ServiceError } from "../services/errors.ts";
import { createServices, type Services } from "../services/index.ts";
import { UsageError, type ParsedArgs } from "./command.ts";

/** Loads the config named by `--config` (or the usual places), opens its database and migrates it. */
export async function openConfiguredDatabase(values: ParsedArgs["values"]): Promise<{ db: Database; shownUrl: string }> {
  const { config } = await loadConfig({ path: values.config as string | undefined });
  const shownUrl = redactUrl(config.DATABASE_URL);
  const db = openDatabase(config.DATABASE_URL);
  try {
    await db.migrate();
  } catch (error) {
    await db.close().catch(() => {});
    // The cause is usually the server being down or a wrong URL: say which database, not a stack.
    // drizzle wraps the driver's error ("Failed query: …"); the innermost one says what went wrong.
    let cause = error as Error;
    while (cause.cause instanceof Error) cause = cause.cause;
    throw new UsageError(`Cannot open the database ${shownUrl}: ${cause.message.split("\n")[0]}`);
  }
  return { db, shownUrl };
}

/**
 * Runs `work` with services over the configured database and closes it afterwards. A
 * ServiceError is the user's to fix: its sentence goes to stderr and the exit code is 1.
 */
export async function withServices(values: ParsedArgs["values"], work: (services: Services) => Promise<number>): Promise<number> {
  const { db } = await openConfiguredDatabase(values);
  try {
    return await work(createServices(db));
  } catch (error) {
    if (error instanceof ServiceError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await db.close();
  }
}

/** The one positional argument a command takes, e.g. `<username>`. */
export function onePositional(args: ParsedArgs, name: string, command: string): string {
  const [value, ...extra] = args.positionals;
  if (value === undefined || value === "") throw new UsageError(`Missing ${name}: run "superset ${command} ${name}".`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}": "superset ${command}" takes one ${name}.`);
  return value;
}

/** A `--role` value, checked against the roles there are. */
export function parseRole(value: unknown): MemberRole {
  if (typeof value === "string" && (MEMBER_ROLES as readonly string[]).includes(value)) return value as MemberRole;
  throw new UsageError(`--role must be one of ${MEMBER_ROLES.join(", ")} (got "${String(value)}").`);
}

/** Prints rows under a header, columns padded to their widest cell. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

/** Prints a value as indented JSON, for `--json`. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** The `--json` option of the list commands. */
export const JSON_OPTION = { json: { type: "boolean" as const, description: "Print JSON instead of a table" } };
