/**
 * The scheduler's claims (docs/hosts-and-automations.md#scheduler). Several schedulers, in several
 * server processes on one database, may find the same occurrence due; the run row's unique
 * (automation_id, scheduled_for) lets exactly one insert it, and `next_run_at` then moves on with
 * an update that is conditional on the value the scheduler read, so a schedule changed meanwhile
 * keeps its new time.
 *
 * Both steps work in bulk (./claim-writes.ts: one transaction on SQLite, one INSERT on
 * PostgreSQL, and one UPDATE per group of automations moving between the same two times), so
 * 10,000 automations due in the same minute cost a few dozen statements rather than 20,000 round
 * trips.
 */
import { and, asc, eq, getTableColumns, isNotNull, lte } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { RunTrigger } from "../db/schema/values.ts";
import type { ServiceContext } from "./context.ts";
import type { RunRefusal } from "./automation-runs.ts";
import { createClaimWriter, type ClaimedRun, type ScheduleMove } from "./claim-writes.ts";
import type { HostRegistration } from "./host-registration.ts";

type AutomationRow = Database["tables"]["automations"]["$inferSelect"];

/** An automation whose next run is due, without its prompt (fetched only for the runs that dispatch). */
export type DueAutomation = Omit<AutomationRow, "prompt" | "promptVersion" | "enabled" | "createdAt" | "updatedAt" | "nextRunAt"> & { nextRunAt: Date };

/** A run the scheduler decided on; it is recorded only if no other scheduler claimed its occurrence first. */
export interface RunClaim {
  automation: DueAutomation;
  trigger: Exclude<RunTrigger, "manual">;
  coveredCount: number;
  coveredUntil: Date | null;
  title: string;
  host: HostRegistration | null;
  /** Null: the run goes to `host`; otherwise recorded as refused. */
  refusal: RunRefusal | null;
  /** Where the schedule goes next, or null when it has no further occurrence. */
  next: { at: Date; local: string } | null;
}

export function createAutomationClaims({ db }: ServiceContext) {
  const { orm, tables } = db;
  const { automations } = tables;
  const write = createClaimWriter(db);

  return {
    /** Enabled automations due at `at`, earliest first and then by id, so a chunk of them touches one stretch of the indexes on automation_id. */
    async due(at: Date, limit: number): Promise<DueAutomation[]> {
      const { prompt: _prompt, promptVersion: _version, enabled: _enabled, createdAt: _created, updatedAt: _updated, ...columns } = getTableColumns(automations);
      const rows = await orm
        .select(columns)
        .from(automations)
        .where(and(eq(automations.enabled, true), lte(automations.nextRunAt, at)))
        .orderBy(asc(automations.nextRunAt), asc(automations.id))
        .limit(limit);
      return rows as DueAutomation[];
    },

    /** The earliest next run of any enabled automation, or null. */
    async earliestNextRun(): Promise<Date | null> {
      const [row] = await orm
        .select({ at: automations.nextRunAt })
        .from(automations)
        .where(and(eq(automations.enabled, true), isNotNull(automations.nextRunAt)))
        .orderBy(asc(automations.nextRunAt))
        .limit(1);
      return row?.at ?? null;
    },

    /**
     * Records the claims no other scheduler made first and moves every claimed automation's next
     * run on. Returns the run id of each claim this call won, by automation id.
     */
    async claim(claims: RunClaim[], at: Date): Promise<Map<string, string>> {
      // Ascending automation id in every scheduler, so concurrent inserts take their index locks in one order.
      const ordered = [...claims].sort((a, b) => (a.automation.id < b.automation.id ? -1 : 1));
      const rows = ordered.map((claim): ClaimedRun => ({
        id: newRunId(),
        automationId: claim.automation.id,
        organizationId: claim.automation.organizationId,
        trigger: claim.trigger,
        scheduledFor: claim.automation.nextRunAt,
        coveredCount: claim.coveredCount,
        coveredUntil: claim.coveredUntil,
        title: claim.title,
        hostId: claim.host?.id ?? null,
        hostRegistrationId: claim.host?.registrationId ?? null,
        status: claim.refusal?.status ?? "dispatching",
        error: claim.refusal?.error ?? null,
        finishedAt: claim.refusal ? at : null,
        createdAt: at,
      }));
      // Every claim moves its schedule on, won or not: a run row without the update (a scheduler
      // stopped between the two) would otherwise hold the schedule at that occurrence for good.
      return write(rows, groupByMove(claims));
    },
  };
}

export type AutomationClaims = ReturnType<typeof createAutomationClaims>;

/**
 * A scheduled run's id: a UUID version 7, which begins with its creation time, so the runs of a
 * burst go to the end of the primary-key index instead of into pages all over it (thousands of
 * random ids a minute cost the database a page write each once the index outgrows its cache).
 */
const newRunId = (): string => Bun.randomUUIDv7();

/** Claims grouped by (current next run → new next run), so each group is one UPDATE. */
function groupByMove(claims: RunClaim[]): ScheduleMove[] {
  const groups = new Map<string, ScheduleMove>();
  for (const claim of claims) {
    const key = `${claim.automation.nextRunAt.getTime()}|${claim.next?.at.getTime() ?? ""}|${claim.next?.local ?? ""}`;
    const group = groups.get(key) ?? { from: claim.automation.nextRunAt, next: claim.next, ids: [] };
    group.ids.push(claim.automation.id);
    groups.set(key, group);
  }
  return [...groups.values()];
}
