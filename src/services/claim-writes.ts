/**
 * How a batch of the scheduler's claims reaches the database (./automation-claims.ts decides
 * what): the run rows, inserted unless their occurrence is already recorded, and the moves of
 * `next_run_at`, each conditional on the value the scheduler read. Each dialect gets the shape
 * that is cheap for it, with the SQL still built by drizzle:
 *
 * - SQLite runs in this process, so a statement costs no round trip: one prepared single-row
 *   INSERT executed per row, all rows and moves in one transaction (one commit writes each
 *   touched page once, instead of once per statement).
 * - PostgreSQL pays a round trip and a bound parameter per value: the rows go as one INSERT …
 *   SELECT FROM unnest(…), one array parameter per column, whatever the batch's size.
 */
import { and, eq, getTableColumns, inArray, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.ts";

type Runs = Database["tables"]["automationRuns"];

/** A run row as the scheduler records it. */
export type ClaimedRun = Pick<
  Runs["$inferInsert"],
  "id" | "automationId" | "organizationId" | "trigger" | "scheduledFor" | "coveredCount" | "coveredUntil" | "title" | "hostId" | "hostRegistrationId" | "status" | "error" | "finishedAt" | "createdAt"
>;

/** Automations whose next run moves from `from` to `next` (null: the schedule has ended). */
export interface ScheduleMove {
  from: Date;
  next: { at: Date; local: string } | null;
  ids: string[];
}

/** Writes `rows` (in the order given) and `moves`; returns the id of each row inserted, by automation id. */
export type ClaimWriter = (rows: ClaimedRun[], moves: ScheduleMove[]) => Promise<Map<string, string>>;

/** Automation ids per UPDATE … IN (well under both databases' parameter limits). */
const UPDATE_CHUNK_IDS = 1000;

export function createClaimWriter(db: Database): ClaimWriter {
  return db.dialect === "sqlite" ? sqliteWriter(db) : postgresWriter(db);
}

/** One UPDATE per chunk of a move's automations, each only where next_run_at is still `from`. */
function* moveUpdates({ orm, tables: { automations } }: Database, moves: ScheduleMove[]) {
  for (const move of moves) {
    for (let start = 0; start < move.ids.length; start += UPDATE_CHUNK_IDS) {
      yield orm
        .update(automations)
        .set({ nextRunAt: move.next?.at ?? null, nextRunLocal: move.next?.local ?? null })
        .where(and(inArray(automations.id, move.ids.slice(start, start + UPDATE_CHUNK_IDS)), eq(automations.nextRunAt, move.from)));
    }
  }
}

function sqliteWriter(db: Database): ClaimWriter {
  const { orm, tables } = db;
  const runs = tables.automationRuns;
  // drizzle 0.45 passes a placeholder's value through its column's encoder even when it is null,
  // and the timestamp encoder then throws: nullable timestamps are bound as they are, encoded here.
  const nullableTime = (column: Runs["coveredUntil"] | Runs["finishedAt"], value: Date | null | undefined) => (value ? column.mapToDriverValue(value) : null);
  const prepareInsert = () =>
    orm
      .insert(runs)
      .values({
        id: sql.placeholder("id"),
        automationId: sql.placeholder("automationId"),
        organizationId: sql.placeholder("organizationId"),
        trigger: sql.placeholder("trigger"),
        scheduledFor: sql.placeholder("scheduledFor"),
        coveredCount: sql.placeholder("coveredCount"),
        coveredUntil: sql`${sql.placeholder("coveredUntil")}`,
        title: sql.placeholder("title"),
        hostId: sql.placeholder("hostId"),
        hostRegistrationId: sql.placeholder("hostRegistrationId"),
        status: sql.placeholder("status"),
        error: sql.placeholder("error"),
        finishedAt: sql`${sql.placeholder("finishedAt")}`,
        createdAt: sql.placeholder("createdAt"),
      })
      .onConflictDoNothing()
      .returning({ id: runs.id, automationId: runs.automationId })
      .prepare();
  // Prepared on first use: SQLite compiles a statement at once, and needs the table then.
  let insertRun: ReturnType<typeof prepareInsert> | undefined;

  return async (rows, moves) => {
    insertRun ??= prepareInsert();
    const insert = insertRun;
    return orm.transaction(() => {
      const won = new Map<string, string>();
      for (const row of rows) {
        const [inserted] = insert.all({ ...row, coveredUntil: nullableTime(runs.coveredUntil, row.coveredUntil), finishedAt: nullableTime(runs.finishedAt, row.finishedAt) });
        if (inserted) won.set(inserted.automationId, inserted.id);
      }
      for (const update of moveUpdates(db, moves)) update.run();
      return won;
    });
  };
}

function postgresWriter(db: Database): ClaimWriter {
  const { orm, tables } = db;
  const runs = tables.automationRuns;
  return async (rows, moves) => {
    const won = new Map<string, string>();
    if (rows.length > 0) {
      const columns = Object.fromEntries(Object.keys(rows[0]!).map((key) => [key, rows.map((row) => row[key as keyof ClaimedRun] ?? null)]));
      const inserted = await orm.insert(runs).select(unnestRows(runs, columns)).onConflictDoNothing().returning({ id: runs.id, automationId: runs.automationId });
      for (const row of inserted) won.set(row.automationId, row.id);
    }
    for (const update of moveUpdates(db, moves)) await update;
    return won;
  };
}

/**
 * `SELECT … FROM unnest(…)` for PostgreSQL: one row per element of the arrays in `columns` (by
 * column key, all of one length), each array bound as a single parameter of its column's type;
 * the table's other columns are NULL. Columns come in the table's order, as insert().select()
 * lists them.
 */
function unnestRows(table: Runs, columns: Record<string, unknown[]>): SQL {
  const all = Object.entries(getTableColumns(table));
  const given = all.filter(([key]) => key in columns);
  const arrays = sql.join(
    given.map(([key, column]) => sql`${sql.param(columns[key])}::${sql.raw(column.getSQLType())}[]`),
    sql`, `,
  );
  const names = sql.join(
    given.map(([key]) => sql.identifier(key)),
    sql`, `,
  );
  const selected = sql.join(
    all.map(([key]) => (key in columns ? sql`u.${sql.identifier(key)}` : sql`null`)),
    sql`, `,
  );
  return sql`select ${selected} from unnest(${arrays}) as u(${names})`;
}
