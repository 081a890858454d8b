/**
 * The automation scheduler of one server process (docs/hosts-and-automations.md#scheduler). A timer
 * is aimed at the earliest `nextRunAt` and re-aimed whenever a schedule changes, so a run starts
 * within moments of its time without a polling tick. When it fires, the due automations are
 * claimed in bulk (./automation-claims.ts makes each occurrence fire once across processes),
 * missed occurrences are coalesced into one catch-up run, each run gets its host or its refusal,
 * and the runs that have a host are dispatched.
 *
 * A schedule changed in another process (one without a scheduler, say) is seen at the latest
 * after MAX_SLEEP_MS, the longest the timer ever sleeps.
 */
import { log } from "../log.ts";
import type { RunClaim, DueAutomation } from "../services/automation-claims.ts";
import type { Services } from "../services/index.ts";
import type { Clock } from "./clock.ts";
import type { RunDispatcher } from "./dispatch.ts";
import { createHostChooser, type HostChooser } from "./host-choice.ts";
import { runTitle } from "./run-text.ts";
import { compileSchedule, createOccurrenceMemo, nextOccurrenceAfter, occurrencesThrough, type CompiledSchedule, type OccurrenceMemo } from "./schedule.ts";
import type { HostHub } from "../hosts/hub.ts";
import { NO_METRICS, type Metrics } from "../metrics/index.ts";

/** Due automations read per round (one SELECT, ordered by next run and id). */
const DUE_BATCH = 10_000;
/** Claims recorded at once: one SQLite transaction, or one PostgreSQL INSERT and its grouped UPDATEs. */
const CLAIM_BATCH = 1000;
/**
 * Claims being recorded while the next chunk is decided. PostgreSQL writes two on two connections
 * (a burst's runs cost the server more than deciding them costs this process); a SQLite claim is
 * written synchronously, so there it changes nothing.
 */
const CLAIMS_IN_FLIGHT = 2;
/** Rounds per wake-up at most, so a pathological schedule can never spin the loop. */
const MAX_ROUNDS = 1000;
const MAX_SLEEP_MS = 30_000;
/** Missed occurrences counted for a catch-up run's record; beyond this it says "at least". */
const CATCH_UP_COUNT_LIMIT = 100_000;
/** Runs dispatched at once; each waits for its host to prepare a workspace and launch the agent. */
const DISPATCH_CONCURRENCY = 16;
const SWEEP_INTERVAL_MS = 5 * 60_000;
/** A run still dispatching this long after it was recorded lost its server midway. */
const DISPATCH_GIVE_UP_MS = 30 * 60_000;
/** Past RUN_TIMEOUT_SECONDS, how long a host gets to report a run before the server calls it timed out. */
const REPORT_GRACE_MS = 15 * 60_000;
const COMPILED_CACHE_MAX = 10_000;

export interface SchedulerOptions {
  services: Services;
  hub: Pick<HostHub, "isOnline" | "offlineSentence">;
  dispatcher: Pick<RunDispatcher, "dispatch">;
  clock: Clock;
  runTimeoutSeconds: number;
  /** Told how late each won run was claimed, and the runs refused at the claim. */
  metrics?: Pick<Metrics, "schedulerDelay" | "automationRun">;
}

export function createScheduler({ services, hub, dispatcher, clock, runTimeoutSeconds, metrics = NO_METRICS }: SchedulerOptions) {
  const { automationClaims: claims } = services;
  const compiled = new Map<string, CompiledSchedule | Error>();
  let cancelTimer: (() => void) | null = null;
  let running = false;
  let busy: Promise<void> | null = null;
  let again = false;
  let lastSweepMs = 0;
  const dispatching = new Set<Promise<unknown>>();
  const queue: RunToDispatchLater[] = [];
  let unsubscribe: (() => void) | null = null;

  type RunToDispatchLater = { runId: string; claim: RunClaim };

  function scheduleOf(automation: DueAutomation): CompiledSchedule | Error {
    const key = `${automation.rrule}\n${automation.dtstart.getTime()}\n${automation.timezone}`;
    let found = compiled.get(key);
    if (!found) {
      try {
        found = compileSchedule(automation);
      } catch (error) {
        found = error instanceof Error ? error : new Error(String(error));
      }
      if (compiled.size >= COMPILED_CACHE_MAX) compiled.clear();
      compiled.set(key, found);
    }
    return found;
  }

  /**
   * What to record for one due automation: which occurrences the run stands for, where the
   * schedule goes next, and its host or refusal. `memo` lets automations on the same rule and next
   * run (every "weekdays at 9:00 Berlin" of a team, whatever day each was created) share the
   * schedule arithmetic.
   */
  async function decide(automation: DueAutomation, at: Date, chooser: HostChooser, memo: OccurrenceMemo): Promise<RunClaim> {
    const schedule = scheduleOf(automation);
    const base = { automation, trigger: "schedule" as const, coveredCount: 1, coveredUntil: null };
    const title = (trigger: RunClaim["trigger"], count: number) =>
      runTitle({ automationName: automation.name, timeZone: automation.timezone, trigger, scheduledFor: automation.nextRunAt, coveredCount: count });
    if (schedule instanceof Error) {
      // A stored schedule that no longer compiles (a time zone dropped from the system's database) stops with a recorded reason.
      return {
        ...base,
        title: title("schedule", 1),
        host: null,
        refusal: { status: "dispatch_failed", error: `${schedule.message} The schedule is stopped; fix it with automations_update.` },
        next: null,
      };
    }
    const first = { at: automation.nextRunAt, local: automation.nextRunLocal ?? schedule.dtstartLocal };
    const covered = occurrencesThrough(schedule, first, at, CATCH_UP_COUNT_LIMIT, memo);
    const next = nextOccurrenceAfter(schedule, at, covered.last.local, memo);
    const trigger = covered.count > 1 ? ("catch_up" as const) : ("schedule" as const);
    const choice = await chooser.choose(automation);
    return {
      automation,
      trigger,
      coveredCount: covered.count,
      coveredUntil: covered.count > 1 ? covered.last.at : null,
      title: title(trigger, covered.count),
      host: choice.host,
      refusal: choice.refusal,
      next,
    };
  }

  /** One wake-up: claims everything due now, queues the dispatches, and sweeps stale runs now and then. */
  async function fire(): Promise<void> {
    const at = clock.now();
    const chooser = createHostChooser(services, hub);
    const memo = createOccurrenceMemo();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const due = await claims.due(at, DUE_BATCH);
      await claimInChunks(due, at, chooser, memo);
      if (due.length < DUE_BATCH) break;
    }
    if (at.getTime() - lastSweepMs >= SWEEP_INTERVAL_MS) {
      lastSweepMs = at.getTime();
      await services.automationRuns.expireStale({
        dispatchingBefore: new Date(at.getTime() - DISPATCH_GIVE_UP_MS),
        runningBefore: new Date(at.getTime() - runTimeoutSeconds * 1000 - REPORT_GRACE_MS),
      });
    }
  }

  /**
   * Decides and claims `due` a chunk at a time, in its order, while earlier chunks are being
   * recorded (up to CLAIMS_IN_FLIGHT). Chunks hold distinct automations, and each claim inserts in
   * ascending automation id, so concurrent claims, this scheduler's or another's, take their
   * index locks in one order.
   */
  async function claimInChunks(due: DueAutomation[], at: Date, chooser: HostChooser, memo: OccurrenceMemo): Promise<void> {
    const recording: Promise<void>[] = [];
    for (let start = 0; start < due.length; start += CLAIM_BATCH) {
      const decided: RunClaim[] = [];
      for (const automation of due.slice(start, start + CLAIM_BATCH)) decided.push(await decide(automation, at, chooser, memo));
      if (recording.length >= CLAIMS_IN_FLIGHT) await recording.shift();
      const claim = record(decided, at);
      claim.catch(() => {}); // awaited later, which rethrows; until then its failure is not unhandled
      recording.push(claim);
    }
    await Promise.all(recording);
  }

  /** Claims what was decided and queues the dispatch of each run this scheduler won. */
  async function record(decided: RunClaim[], at: Date): Promise<void> {
    const won = await claims.claim(decided, at);
    for (const claim of decided) {
      const runId = won.get(claim.automation.id);
      if (!runId) continue;
      // Only the winner of an occurrence reports it, so a run is measured once across processes.
      metrics.schedulerDelay((at.getTime() - claim.automation.nextRunAt.getTime()) / 1000);
      if (claim.refusal) metrics.automationRun(claim.refusal.status);
      else queue.push({ runId, claim });
    }
    pump();
  }

  /** Starts queued dispatches up to the concurrency limit. */
  function pump(): void {
    while (dispatching.size < DISPATCH_CONCURRENCY && queue.length > 0) {
      const { runId, claim } = queue.shift()!;
      const task = (async () => {
        const automation = await services.automations.findForRun(claim.automation.id);
        if (!automation || !claim.host) return services.automationRuns.markRefused(runId, { status: "dispatch_failed", error: "The automation was deleted before this run started." });
        await dispatcher.dispatch({ runId, automation, host: claim.host, trigger: claim.trigger, scheduledFor: claim.automation.nextRunAt, coveredCount: claim.coveredCount });
      })()
        .catch((error) => log.error("automation run dispatch failed", { runId, error: error instanceof Error ? error.stack : String(error) }))
        .finally(() => {
          dispatching.delete(task);
          pump();
        });
      dispatching.add(task);
    }
  }

  function disarm(): void {
    cancelTimer?.();
    cancelTimer = null;
  }

  /** Aims the timer at the earliest next run (or MAX_SLEEP_MS away, whichever is sooner). */
  async function aim(): Promise<void> {
    disarm();
    if (!running) return;
    const earliest = await claims.earliestNextRun();
    if (!running) return;
    const untilDue = earliest ? earliest.getTime() - clock.now().getTime() : MAX_SLEEP_MS;
    disarm();
    cancelTimer = clock.setTimer(Math.max(0, Math.min(untilDue, MAX_SLEEP_MS)), () => void wake());
  }

  /**
   * Fires and re-aims; a change (or the timer) arriving meanwhile makes it go round once more
   * rather than overlap. `busy` is cleared in the same turn as the last look at `again`, so no
   * wake-up can fall between the two and be lost.
   */
  function wake(): Promise<void> {
    if (busy) {
      again = true;
      return busy;
    }
    busy = (async () => {
      do {
        again = false;
        try {
          await fire();
        } catch (error) {
          log.error("scheduler round failed", { error: error instanceof Error ? error.stack : String(error) });
        }
        await aim().catch((error) => log.error("scheduler could not aim its timer", { error: String(error) }));
      } while (again && running);
      busy = null;
    })();
    return busy;
  }

  return {
    start(): Promise<void> {
      running = true;
      unsubscribe = services.automations.onScheduleChange(() => void wake());
      return wake();
    },
    async stop(): Promise<void> {
      running = false;
      unsubscribe?.();
      disarm();
      queue.length = 0;
      await busy;
      await Promise.all([...dispatching]);
    },
    isRunning: () => running,
    /** Fires what is due now and waits for it and for the dispatches it started (tests). */
    async settle(): Promise<void> {
      await wake();
      while (dispatching.size > 0) await Promise.all([...dispatching]);
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
