/**
 * The agent's record of automation runs, one JSON file per run in `<data-dir>/runs/`, each written
 * whole to a temporary file and renamed (a kill mid-write leaves the previous version). A run is
 * written when its agent starts, so a re-sent run.start answers it instead of starting a second
 * agent and a run cut short by the agent's death can still be reported; its report is written
 * when it ends and kept until the server acknowledges it, which survives disconnects and restarts.
 * After the acknowledgement a small tombstone (the start, no report) stays for re-sent commands.
 *
 * One file per run rather than one file for all: a report carries up to RUN_OUTPUT_MAX_BYTES of
 * output, and each write should cost the size of one run, not of every report still waiting.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { COMMANDS, runReportSchema, type CommandResult, type RunReport } from "../hosts/protocol.ts";
import { log } from "../log.ts";
import { writeFileAtomically } from "./atomic-file.ts";

/** What run.start answered for a run: its workspace, terminal, start time and placement note. */
export type RunStart = CommandResult<"run.start">;

const recordSchema = v.object({
  runId: v.string(),
  start: COMMANDS["run.start"].result,
  report: v.optional(runReportSchema),
  acknowledged: v.optional(v.boolean()),
});
/** One run as stored: started, then reported, then acknowledged by the server. */
export type RunRecord = v.InferOutput<typeof recordSchema>;

/**
 * Records kept at most. Past it the oldest acknowledged ones go first, then (with a warning) the
 * oldest reports still waiting: a server that never acknowledges must not fill the disk. Runs
 * still going are never dropped.
 */
export const MAX_RUN_RECORDS = 500;
const RUNS_DIR_NAME = "runs";
const SAFE_FILE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The file of `runId`: the id itself when it is a plain name, else its hash (ids are the server's, any text). */
function fileNameOf(runId: string): string {
  return SAFE_FILE_ID.test(runId) ? `${runId}.json` : `sha256-${createHash("sha256").update(runId).digest("hex")}.json`;
}

function moveAside(path: string): void {
  try {
    renameSync(path, `${path}.corrupt`);
  } catch (error) {
    log.error("could not move a bad run record aside", { file: path, error: String(error) });
  }
}

/** Reads every record; one that is torn or not a record is logged and moved aside as `<file>.corrupt`. */
function loadRecords(dir: string): RunRecord[] {
  const records: RunRecord[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    // Left by a write that was killed before its rename; the previous version (if any) is complete.
    if (name.endsWith(".tmp")) {
      rmSync(path, { force: true });
      continue;
    }
    if (!name.endsWith(".json")) continue;
    let parsed: v.SafeParseResult<typeof recordSchema> | undefined;
    try {
      parsed = v.safeParse(recordSchema, JSON.parse(readFileSync(path, "utf8")));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success && fileNameOf(parsed.output.runId) === name) {
      records.push(parsed.output);
      continue;
    }
    // Only this run is lost; the file stays for a person to look at.
    log.warn("a run record could not be read; it was moved aside", { file: path, movedTo: `${path}.corrupt` });
    moveAside(path);
  }
  return records.sort((a, b) => a.start.startedAt.localeCompare(b.start.startedAt));
}

/** Opens (or starts) the run records of `dataDir`; every method writes to disk before it returns. */
export function openRunOutbox(dataDir: string) {
  const dir = join(dataDir, RUNS_DIR_NAME);
  let loaded: RunRecord[];
  try {
    mkdirSync(dir, { recursive: true });
    loaded = loadRecords(dir);
  } catch (error) {
    // Something else sits where the folder should be: keep it aside and start with no records.
    log.error("the run records could not be read; starting without them", { dir, movedTo: `${dir}.corrupt`, error: String(error) });
    moveAside(dir);
    mkdirSync(dir, { recursive: true });
    loaded = [];
  }
  /** In start order: the oldest are the first to go past MAX_RUN_RECORDS. */
  const records = new Map<string, RunRecord>(loaded.map((record) => [record.runId, record]));

  function write(record: RunRecord): void {
    writeFileAtomically(join(dir, fileNameOf(record.runId)), JSON.stringify(record));
  }

  function drop(record: RunRecord): void {
    records.delete(record.runId);
    rmSync(join(dir, fileNameOf(record.runId)), { force: true });
  }

  function trim(): void {
    const excess = records.size - MAX_RUN_RECORDS;
    if (excess <= 0) return;
    const all = [...records.values()];
    const acknowledged = all.filter((record) => record.acknowledged);
    const waiting = all.filter((record) => record.report && !record.acknowledged);
    for (const record of [...acknowledged, ...waiting].slice(0, excess)) {
      if (!record.acknowledged) log.warn("dropped the report of a run the server never acknowledged", { runId: record.runId });
      drop(record);
    }
  }

  return {
    get: (runId: string): RunRecord | undefined => records.get(runId),
    /** Records that the agent of `runId` started, as run.start answered. */
    started(runId: string, start: RunStart): void {
      const record: RunRecord = { runId, start };
      write(record);
      records.set(runId, record);
      trim();
    },
    /** Stores the report of a run recorded as started (any other is a bug, logged and ignored). */
    finish(report: RunReport): void {
      const known = records.get(report.runId);
      if (!known) return void log.error("a run report has no run record to go with", { runId: report.runId });
      const record: RunRecord = { runId: report.runId, start: known.start, report };
      write(record);
      records.set(report.runId, record);
    },
    /** Runs recorded as started that have no report. */
    unfinished: (): RunRecord[] => [...records.values()].filter((record) => !record.report && !record.acknowledged),
    /** Reports the server has not acknowledged yet, oldest first. */
    reports: (): RunReport[] => [...records.values()].flatMap((record) => (record.report && !record.acknowledged ? [record.report] : [])),
    /** The server stored the report of `runId`: keep only the start, for a run.start sent again. */
    acknowledge(runId: string): void {
      const record = records.get(runId);
      if (!record?.report) return;
      const tombstone: RunRecord = { runId, start: record.start, acknowledged: true };
      write(tombstone);
      records.set(runId, tombstone);
    },
  };
}

/** The run records, as the run tracker and the connection use them. */
export type RunOutbox = ReturnType<typeof openRunOutbox>;
