/**
 * The automation scheduler under load: 10,000 enabled automations due every minute, their owner's
 * only host offline, so every occurrence is recorded as `skipped_offline`. The real scheduler
 * (system clock, real host chooser, a real hub with nobody connected) runs over whole minutes on
 * a SQLite file (WAL) and on a scratch PostgreSQL database. Aim of the issue: p99 delay under 1 s.
 *
 * Run: `bun scripts/bench/scheduler.ts [--minutes 3] [--automations 10000] [--postgres URL]`
 * (PostgreSQL from --postgres, else TEST_DATABASE_URL, else the local test server; skipped with a
 * note when unreachable). Takes about `minutes` + 1 minutes per database.
 *
 * A run row's `created_at` is the instant the scheduler woke for it (automation-claims.ts stamps
 * every row of a wake-up with it), so it shows how late the timer fired, not when the row was
 * written. The delay is therefore taken when the row was recorded: the moment the claim that
 * inserted it returned (an upper bound, as claims insert in chunks). The reference, measured in
 * the same run on the same database, is the plain way to write the same rows: drizzle INSERTs of
 * 500 rows each, with no scheduling in front of them.
 *
 * Exits 1 when any minute's runs are not exactly one per automation, or a run was dispatched.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { createHostHub } from "../../src/hosts/hub.ts";
import { configureLog } from "../../src/log.ts";
import { systemClock } from "../../src/scheduler/clock.ts";
import { createScheduler } from "../../src/scheduler/scheduler.ts";
import type { AutomationClaims } from "../../src/services/automation-claims.ts";
import { createServices, type Services } from "../../src/services/index.ts";
import { armAutomations, openScratchPostgres, openScratchSqlite, referenceInsert, seedAutomations, type ScratchDatabase } from "./scheduler-fixture.ts";

const MINUTE_MS = 60_000;
/** The first burst is at least this far after arming, so the scheduler is started and idle before it. */
const LEAD_MS = 5_000;
const AIM_P99_MS = 1_000;

const { values: options } = parseArgs({
  options: {
    minutes: { type: "string", default: "3" },
    automations: { type: "string", default: "10000" },
    postgres: { type: "string", default: process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const MINUTES = Number(options.minutes);
const AUTOMATIONS = Number(options.automations);
if (!(Number.isInteger(MINUTES) && MINUTES > 0 && Number.isInteger(AUTOMATIONS) && AUTOMATIONS > 0)) throw new Error("--minutes and --automations must be positive integers");
configureLog({ minimum: "warn" });

/** One minute's burst, as the database holds it and as the claims saw it. */
interface Burst {
  scheduledFor: number;
  runs: number;
  distinctAutomations: number;
  /** created_at − scheduled_for: how late the timer fired. */
  wakeLateMs: number;
  lastRecordedMs: number;
  runsPerSecond: number;
  dueMs: number;
  claimMs: number;
}

interface Figures {
  database: string;
  runs: number;
  delays: { p50: number; p99: number; max: number };
  bursts: Burst[];
  runsPerSecond: number;
  referenceRowsPerSecond: number;
  peakRssMb: number;
}

const problems: string[] = [];
const notes: string[] = [];
const open = new Set<ScratchDatabase>();

/**
 * The claims service with a stopwatch: when each run's claim returned (its row is then written),
 * the time spent in `due`, and the time during which at least one `claim` was in flight (the
 * scheduler records one chunk while deciding the next, so claims overlap the deciding and each
 * other), by the minute of the wake-up. What is left of a burst is the scheduler deciding runs
 * with no claim in flight (schedule arithmetic, host choice, titles).
 */
function timeClaims(claims: AutomationClaims) {
  const recordedAt = new Map<string, number>();
  const phases = new Map<number, { dueMs: number; claimMs: number }>();
  const phaseOf = (at: Date) => {
    const minute = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS;
    let phase = phases.get(minute);
    if (!phase) phases.set(minute, (phase = { dueMs: 0, claimMs: 0 }));
    return phase;
  };
  let inFlight = 0;
  let busySince = 0;
  const timed: AutomationClaims = {
    ...claims,
    async due(at, limit) {
      const started = performance.now();
      const due = await claims.due(at, limit);
      phaseOf(at).dueMs += performance.now() - started;
      return due;
    },
    async claim(list, at) {
      if (inFlight++ === 0) busySince = performance.now();
      try {
        const won = await claims.claim(list, at);
        const now = Date.now();
        for (const runId of won.values()) recordedAt.set(runId, now);
        return won;
      } finally {
        if (--inFlight === 0) phaseOf(at).claimMs += performance.now() - busySince;
      }
    },
  };
  return { timed, recordedAt, phases };
}

function peakRssMb(): number {
  return Number(readFileSync("/proc/self/status", "utf8").match(/^VmHWM:\s+(\d+) kB/m)![1]) / 1024;
}

/** Sets VmHWM back to the current RSS (Linux clear_refs), so each database's peak is its own. */
function resetPeakRss(): void {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    notes.push("could not reset the peak RSS between databases; PostgreSQL's figure is the peak of the whole process");
  }
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/**
 * Runs the real scheduler from `first` until its last burst is recorded (or just before the
 * minute after it would start one more), with a hub nobody is connected to.
 */
async function runScheduler(services: Services, first: Date) {
  const { timed, recordedAt, phases } = timeClaims(services.automationClaims);
  const hub = createHostHub({ services, commandTimeoutSeconds: 60, serverUrl: "http://127.0.0.1:8000" });
  let dispatched = 0;
  const scheduler = createScheduler({
    services: { ...services, automationClaims: timed },
    hub,
    dispatcher: {
      async dispatch() {
        dispatched++;
        throw new Error("the bench's only host is offline; nothing may be dispatched");
      },
    },
    clock: systemClock,
    runTimeoutSeconds: 3600,
  });
  const lastBurstMs = first.getTime() + (MINUTES - 1) * MINUTE_MS;
  await scheduler.start();
  try {
    while (recordedAt.size < AUTOMATIONS * MINUTES && Date.now() < lastBurstMs + MINUTE_MS - 1_000) await Bun.sleep(100);
  } finally {
    await scheduler.stop();
    hub.stop();
  }
  return { recordedAt, phases, dispatched };
}

type RunRow = { id: string; automationId: string; scheduledFor: Date; createdAt: Date };

/** Each minute's burst from the run rows, with a problem recorded for any minute that is not exactly one run per automation. */
function burstsOf(database: string, rows: RunRow[], first: Date, timing: Pick<ReturnType<typeof timeClaims>, "recordedAt" | "phases">): { bursts: Burst[]; delays: number[] } {
  const bursts: Burst[] = [];
  const delays: number[] = [];
  for (let minute = 0; minute < MINUTES; minute++) {
    const scheduledFor = first.getTime() + minute * MINUTE_MS;
    const mine = rows.filter((row) => row.scheduledFor.getTime() === scheduledFor);
    const distinctAutomations = new Set(mine.map((row) => row.automationId)).size;
    if (mine.length !== AUTOMATIONS || distinctAutomations !== AUTOMATIONS) {
      problems.push(`${database}: minute ${new Date(scheduledFor).toISOString()} has ${mine.length} runs of ${distinctAutomations} automations, expected one run for each of ${AUTOMATIONS}`);
    }
    let lastRecordedMs = 0;
    let wakeLateMs = 0;
    for (const row of mine) {
      const recorded = timing.recordedAt.get(row.id);
      if (recorded === undefined) continue;
      delays.push(recorded - scheduledFor);
      lastRecordedMs = Math.max(lastRecordedMs, recorded - scheduledFor);
      wakeLateMs = Math.max(wakeLateMs, row.createdAt.getTime() - scheduledFor);
    }
    const phase = timing.phases.get(scheduledFor) ?? { dueMs: 0, claimMs: 0 };
    bursts.push({ scheduledFor, runs: mine.length, distinctAutomations, wakeLateMs, lastRecordedMs, runsPerSecond: mine.length / (lastRecordedMs / 1000), ...phase });
  }
  const measured = new Set(bursts.map((burst) => burst.scheduledFor));
  const stray = rows.filter((row) => !measured.has(row.scheduledFor.getTime())).length;
  if (stray > 0) problems.push(`${database}: ${stray} runs are for minutes outside the ${MINUTES} measured`);
  if (delays.length !== rows.length) problems.push(`${database}: ${rows.length - delays.length} run rows were not written by the timed claims`);
  return { bursts, delays };
}

async function bench(scratch: ScratchDatabase): Promise<Figures> {
  const { db, name } = scratch;
  const runs = db.tables.automationRuns;
  const services = createServices(db);
  console.log(`${name}: seeding ${AUTOMATIONS} automations…`);
  const seeded = await seedAutomations(services, AUTOMATIONS);

  // Reference first, then removed, so the scheduler starts from an empty table as the reference did.
  const referenceRates: number[] = [];
  for (let minute = 0; minute < MINUTES; minute++) referenceRates.push(await referenceInsert(db, seeded, new Date(Date.UTC(2000, 0, 1, 0, minute))));
  await db.orm.delete(runs);

  const first = await armAutomations(db, LEAD_MS);
  const analyzed = await scratch.analyze();
  if (analyzed) notes.push(analyzed);
  resetPeakRss();
  console.log(`${name}: scheduler started; ${MINUTES} bursts of ${AUTOMATIONS} from ${first.at.toISOString()}…`);
  const timing = await runScheduler(services, first.at);
  const peakRss = peakRssMb();

  const rows = await db.orm.select({ id: runs.id, automationId: runs.automationId, scheduledFor: runs.scheduledFor, createdAt: runs.createdAt, status: runs.status, trigger: runs.trigger }).from(runs);
  const odd = rows.filter((row) => row.status !== "skipped_offline" || row.trigger !== "schedule");
  if (odd.length > 0) problems.push(`${name}: ${odd.length} runs are not scheduled skipped_offline ones (first: ${odd[0]!.trigger} ${odd[0]!.status})`);
  if (timing.dispatched > 0) problems.push(`${name}: the dispatcher was called ${timing.dispatched} times`);
  if (rows.length !== AUTOMATIONS * MINUTES) problems.push(`${name}: ${rows.length} runs recorded, expected ${AUTOMATIONS} × ${MINUTES} = ${AUTOMATIONS * MINUTES}`);
  const { bursts, delays } = burstsOf(name, rows, first.at, timing);

  delays.sort((a, b) => a - b);
  return {
    database: name,
    runs: rows.length,
    delays: { p50: percentile(delays, 0.5), p99: percentile(delays, 0.99), max: delays.at(-1) ?? NaN },
    bursts,
    runsPerSecond: median(bursts.map((burst) => burst.runsPerSecond)),
    referenceRowsPerSecond: median(referenceRates),
    peakRssMb: peakRss,
  };
}

/** Opens one scratch database, benches it, and always throws it away. */
async function benchIn(openScratch: () => Promise<ScratchDatabase>): Promise<Figures | null> {
  const scratch = await openScratch();
  open.add(scratch);
  try {
    return await bench(scratch);
  } catch (error) {
    problems.push(`${scratch.name}: bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return null;
  } finally {
    open.delete(scratch);
    await scratch.dispose();
  }
}

function printReport(results: Figures[]): void {
  const ms = (value: number) => value.toFixed(0);
  console.log(`\n$ bun ${relative(process.cwd(), process.argv[1]!)} ${process.argv.slice(2).join(" ")}`.trimEnd());
  console.log(`${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Bun ${Bun.version}; ${AUTOMATIONS} automations FREQ=MINUTELY UTC, no host online, ${MINUTES} minutes`);
  console.log(
    `delay = run recorded (its claim returned) − scheduled time, over all runs; runs/s = median over minutes of runs ÷ (last recorded − scheduled time); reference = the same rows as plain 500-row drizzle INSERTs with no scheduling, median of ${MINUTES}\n`,
  );
  console.log("| database | runs | one per automation per minute | p50 ms | p99 ms | max ms | runs/s | reference rows/s | runs/s ÷ reference | peak RSS MB |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of results) {
    const exact = r.runs === AUTOMATIONS * MINUTES && r.bursts.every((burst) => burst.runs === AUTOMATIONS && burst.distinctAutomations === AUTOMATIONS);
    console.log(
      `| ${r.database} | ${r.runs} | ${exact ? "yes" : "NO"} | ${ms(r.delays.p50)} | ${ms(r.delays.p99)} | ${ms(r.delays.max)} | ${r.runsPerSecond.toFixed(0)} | ${r.referenceRowsPerSecond.toFixed(0)} | ${(r.runsPerSecond / r.referenceRowsPerSecond).toFixed(2)}× | ${r.peakRssMb.toFixed(0)} |`,
    );
  }
  console.log(
    "\nPer minute: wake late = created_at − scheduled time (the timer); due() = the claims' SELECTs; claim() = time with at least one claim's INSERT/UPDATEs in flight (deciding goes on meanwhile); rest = deciding runs with no claim in flight.\n",
  );
  console.log("| database | scheduled for | runs | wake late ms | last recorded ms | runs/s | due() ms | claim() ms | rest ms |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of results) {
    for (const b of r.bursts) {
      const rest = b.lastRecordedMs - b.wakeLateMs - b.dueMs - b.claimMs;
      console.log(
        `| ${r.database} | ${new Date(b.scheduledFor).toISOString().slice(11, 19)} | ${b.runs} | ${ms(b.wakeLateMs)} | ${ms(b.lastRecordedMs)} | ${b.runsPerSecond.toFixed(0)} | ${ms(b.dueMs)} | ${ms(b.claimMs)} | ${ms(rest)} |`,
      );
    }
  }
  for (const r of results) console.log(`\n${r.database}: p99 ${ms(r.delays.p99)} ms — aim under ${AIM_P99_MS} ms: ${r.delays.p99 < AIM_P99_MS ? "met" : "NOT met"}`);
  for (const note of notes) console.log(`NOTE: ${note}`);
  for (const problem of problems) console.log(`PROBLEM: ${problem}`);
}

async function main(): Promise<number> {
  const results: Figures[] = [];
  const sqlite = await benchIn(openScratchSqlite);
  if (sqlite) results.push(sqlite);
  const postgres = await openScratchPostgres(options.postgres!).catch((error: unknown) => {
    problems.push(`PostgreSQL: the scratch database could not be prepared: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  });
  if (postgres && "skipped" in postgres) notes.push(`${postgres.skipped}; PostgreSQL skipped`);
  else if (postgres) {
    const figures = await benchIn(async () => postgres);
    if (figures) results.push(figures);
  }
  printReport(results);
  return problems.length > 0 ? 1 : 0;
}

process.once("SIGINT", () => void Promise.allSettled([...open].map((scratch) => scratch.dispose())).then(() => process.exit(130)));
process.exit(await main());
