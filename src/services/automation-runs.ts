/**
 * Automation runs (docs/hosts-and-automations.md#automations): every outcome is a row — refused
 * (`skipped_offline`, `dispatch_failed`), `running`, then how it ended, with exit code, duration
 * and captured output as the host reported them. The scheduler's claims are in
 * ./automation-claims.ts; this file is what happens to a run afterwards and how it is read.
 */
import { and, desc, eq, getTableColumns, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { RunStatus, RunTrigger } from "../db/schema/values.ts";
import type { RunReport } from "../hosts/protocol.ts";
import { iso, isUuid, newId, type ServiceContext } from "./context.ts";
import type { HostRegistration } from "./host-registration.ts";

/** A run as automations_logs lists it. */
export interface AutomationRun {
  id: string;
  automationId: string;
  title: string;
  trigger: RunTrigger;
  scheduledFor: string;
  /** For a catch-up run: how many occurrences it stands for, and the last of them. */
  coveredOccurrences: number;
  coveredUntil: string | null;
  hostId: string | null;
  workspaceId: string | null;
  terminalId: string | null;
  status: RunStatus;
  error: string | null;
  exitCode: number | null;
  dispatchedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  outputTail: string | null;
}

export type AutomationRunDetail = AutomationRun & { output: string | null };

/** Bytes of output a run lists with (docs/tools.md#automations: "the last 4 KiB of output" in lists). */
export const OUTPUT_TAIL_BYTES = 4096;

/** What a run was refused with, or null when the host took it. */
export interface RunRefusal {
  status: "skipped_offline" | "dispatch_failed";
  error: string;
}

/** The run's host took it (the host was recorded with the run): its agent runs in this workspace and terminal. */
export interface RunStart {
  workspaceId: string;
  terminalId: string;
  startedAt: Date;
  /** A sentence when the run had to work somewhere else than asked (its pinned workspace was gone). */
  note: string | null;
}

export function createAutomationRunService({ db, now }: ServiceContext) {
  const { orm, tables } = db;
  const { automationRuns: runs } = tables;
  const { output: _output, ...listColumns } = getTableColumns(runs);

  type Row = Omit<typeof runs.$inferSelect, "output">;
  const toRun = (row: Row): AutomationRun => ({
    id: row.id,
    automationId: row.automationId,
    title: row.title,
    trigger: row.trigger,
    scheduledFor: iso(row.scheduledFor)!,
    coveredOccurrences: row.coveredCount,
    coveredUntil: iso(row.coveredUntil),
    hostId: row.hostId,
    workspaceId: row.workspaceId,
    terminalId: row.terminalId,
    status: row.status,
    error: row.error,
    exitCode: row.exitCode,
    dispatchedAt: iso(row.dispatchedAt),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    durationMs: row.durationMs,
    outputTail: row.outputTail,
  });

  return {
    /** Records a run of automations_run, which is never rounded and never conflicts with a scheduled one. */
    async createManual(automation: { id: string; organizationId: string; name: string }, refusal: RunRefusal | null, host: HostRegistration | null): Promise<AutomationRun> {
      const at = now();
      const row = {
        id: newId(),
        automationId: automation.id,
        organizationId: automation.organizationId,
        trigger: "manual" as const,
        scheduledFor: at,
        coveredCount: 1,
        coveredUntil: null,
        title: `${automation.name} (run now)`,
        hostId: host?.id ?? null,
        hostRegistrationId: host?.registrationId ?? null,
        status: refusal?.status ?? ("dispatching" as const),
        error: refusal?.error ?? null,
        createdAt: at,
      };
      await orm.insert(runs).values(row);
      return toRun({ ...row, workspaceId: null, terminalId: null, exitCode: null, dispatchedAt: null, startedAt: null, finishedAt: null, durationMs: null, outputTail: null });
    },

    /** The run was sent to its host (which may still prepare the workspace). */
    async markDispatched(runId: string): Promise<void> {
      await orm.update(runs).set({ dispatchedAt: now() }).where(eq(runs.id, runId));
    },

    /**
     * The host launched the agent. The host's end-of-run report may have been stored already
     * (a fast agent's report can overtake this write), so only a run still dispatching moves to
     * running; the workspace and terminal are recorded either way.
     */
    async markRunning(runId: string, start: RunStart): Promise<void> {
      await orm
        .update(runs)
        .set({
          workspaceId: start.workspaceId,
          terminalId: start.terminalId,
          // The same agent clock stamps the report, so an earlier report's startedAt is this one.
          startedAt: start.startedAt,
          status: sql`CASE WHEN ${runs.status} = 'dispatching' THEN 'running' ELSE ${runs.status} END`,
          error: start.note ?? undefined,
        })
        .where(eq(runs.id, runId));
    },

    /** The run could not start: the host went away or refused it (the reason is one sentence). */
    async markRefused(runId: string, refusal: RunRefusal): Promise<void> {
      await orm
        .update(runs)
        .set({ status: refusal.status, error: refusal.error, finishedAt: now() })
        .where(and(eq(runs.id, runId), eq(runs.status, "dispatching")));
    },

    /**
     * Stores how a run ended, as its host reported it. Only the host the run was sent to may
     * report it, and only once: a report sent again after a reconnect changes nothing. A
     * `timed_out` the server declared because the host stayed silent gives way to the host's own
     * report. Returns false for a run this host does not know of (deleted with its automation).
     */
    async finishFromHost(host: HostRegistration, report: RunReport): Promise<boolean> {
      if (!isUuid(report.runId)) return false;
      const startedAt = dateOr(report.startedAt, null);
      const finishedAt = dateOr(report.finishedAt, now());
      const updated = await orm
        .update(runs)
        .set({
          status: report.status,
          exitCode: report.exitCode,
          startedAt: startedAt ?? undefined,
          finishedAt,
          durationMs: Math.round(report.durationMs),
          output: report.output,
          outputTail: tailOf(report.output),
          error: report.error ?? sql`CASE WHEN ${runs.status} = 'timed_out' THEN NULL ELSE ${runs.error} END`,
        })
        .where(
          and(
            eq(runs.id, report.runId.toLowerCase()),
            eq(runs.hostRegistrationId, host.registrationId),
            or(inArray(runs.status, ["dispatching", "running"]), and(eq(runs.status, "timed_out"), isNull(runs.output))),
          ),
        )
        .returning({ id: runs.id });
      return updated.length > 0;
    },

    /**
     * Closes runs nobody will finish: one still dispatching long after any dispatch could take
     * (its server stopped midway), and one running past its timeout whose host never reported.
     */
    async expireStale(options: { dispatchingBefore: Date; runningBefore: Date }): Promise<number> {
      const at = now();
      const lost = await orm
        .update(runs)
        .set({ status: "dispatch_failed", error: "The server stopped before this run reached its host.", finishedAt: at })
        .where(and(eq(runs.status, "dispatching"), lt(runs.createdAt, options.dispatchingBefore)))
        .returning({ id: runs.id });
      const silent = await orm
        .update(runs)
        .set({ status: "timed_out", error: "The host did not report the end of this run within its timeout; it may have gone offline (its report is taken if it comes back).", finishedAt: at })
        .where(and(eq(runs.status, "running"), lt(runs.startedAt, options.runningBefore)))
        .returning({ id: runs.id });
      return lost.length + silent.length;
    },

    /** The automation's runs, newest first, with the tail of their output. */
    async list(automationId: string, limit: number): Promise<AutomationRun[]> {
      const rows = await orm.select(listColumns).from(runs).where(eq(runs.automationId, automationId)).orderBy(desc(runs.createdAt), desc(runs.scheduledFor)).limit(limit);
      return rows.map(toRun);
    },

    /** One run of the automation with its whole captured output, or null. */
    async get(automationId: string, runId: string): Promise<AutomationRunDetail | null> {
      if (!isUuid(runId)) return null;
      const row = (
        await orm
          .select()
          .from(runs)
          .where(and(eq(runs.automationId, automationId), eq(runs.id, runId.toLowerCase())))
      )[0];
      return row ? { ...toRun(row), output: row.output } : null;
    },
  };
}

export type AutomationRunService = ReturnType<typeof createAutomationRunService>;

/** The last OUTPUT_TAIL_BYTES bytes of `output`, starting on a whole character. */
export function tailOf(output: string): string {
  const bytes = Buffer.from(output, "utf8");
  if (bytes.length <= OUTPUT_TAIL_BYTES) return output;
  let start = bytes.length - OUTPUT_TAIL_BYTES;
  // Skip UTF-8 continuation bytes (10xxxxxx) so the tail does not begin inside a character.
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString("utf8");
}

function dateOr(text: string, fallback: Date | null): Date | null {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? fallback : date;
}
