/**
 * Follows each automation run's agent from its launch to its end and makes the run's report:
 * `succeeded` / `failed` by exit code; `timed_out` after the run's time limit (its terminal's whole
 * session is killed, the screen kept); `canceled` when its terminal is closed by request (a
 * terminal.close, its workspace deleted) or the host agent stops. Each report is stored in the
 * outbox before `onReport` sees it, so none is lost to a disconnect.
 */
import type { RunReport, RunEndStatus } from "../hosts/protocol.ts";
import { log } from "../log.ts";
import { createOutputCapture, type OutputCapture } from "./output-capture.ts";
import type { RunOutbox, RunStart } from "./run-outbox.ts";
import { CommandError, type CreateTerminalOptions, type TerminalEnd, type TerminalManager } from "./types.ts";

/** The error of a run whose agent was lost because the host agent stopped (or died) while it ran. */
export const HOST_STOPPED_ERROR = "The host agent stopped while this run was going.";
/** The error of a run whose terminal was closed by request. */
export const TERMINAL_CLOSED_ERROR = "The run's terminal was closed before the agent finished.";

/**
 * Exited run terminals kept readable (terminals_read) after their report, newest first; older
 * ones are closed. The report already carries the output, so a finished run's terminal is only
 * for a person looking at the latest runs, while each one holds an emulator with up to 5000 lines
 * of scrollback. Without this an automation firing every few minutes would fill the terminal
 * manager's slots for exited terminals with its own and push out the ones people opened.
 */
export const KEPT_FINISHED_RUN_TERMINALS = 8;
/** setTimeout's longest delay (about 24.8 days); a longer time limit is waited in one go of this. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How long a killed agent may take to be seen gone before the timeout is reported anyway. */
const KILLED_END_WAIT_MS = 5_000;

export interface RunTrackerDeps {
  terminals: TerminalManager;
  outbox: RunOutbox;
  /** A run ended and its report is stored; send it if connected. */
  onReport(report: RunReport): void;
  keptFinishedTerminals?: number;
}

/** What a run is started with (run.start's params). */
export interface RunLimits {
  runId: string;
  timeoutSeconds: number;
  outputMaxBytes: number;
}

/** A run being launched: `follow` goes into the terminal's creation, `started` once the agent runs. */
export interface PreparedRun {
  follow: Required<Pick<CreateTerminalOptions, "onOutput" | "onEnd">>;
  /** Records the run in the outbox and follows it to its report; throws CommandError (and closes the terminal) when it cannot be recorded. */
  started(start: RunStart): void;
}

/** Creates the tracker; a run recorded as started but never reported died with the previous agent, and is reported `canceled` now. */
export function createRunTracker(deps: RunTrackerDeps) {
  const { terminals, outbox } = deps;
  const keptFinished = deps.keptFinishedTerminals ?? KEPT_FINISHED_RUN_TERMINALS;
  const active = new Map<string, { terminalId: string; done: Promise<void> }>();
  const finishedTerminals: string[] = [];
  let isStopping = false;

  for (const record of outbox.unfinished()) {
    // Its PTY child died with the agent; what it printed went with it.
    outbox.finish(reportOf(record.runId, record.start.startedAt, "canceled", null, "", HOST_STOPPED_ERROR));
  }

  function report(made: RunReport): void {
    try {
      outbox.finish(made);
    } catch (error) {
      // Still worth sending while connected: only a restart before the server's ack would lose it.
      log.error("could not store a run report", { runId: made.runId, error: String(error) });
    }
    deps.onReport(made);
  }

  /** Keeps the newest finished run terminals readable and closes the older ones (see KEPT_FINISHED_RUN_TERMINALS). */
  function retire(terminalId: string): void {
    if (!terminals.get(terminalId)) return;
    finishedTerminals.push(terminalId);
    for (const old of finishedTerminals.splice(0, Math.max(0, finishedTerminals.length - keptFinished))) {
      terminals.close(old).catch(() => undefined); // closed by someone already
    }
  }

  async function follow(runId: string, start: RunStart, timeoutSeconds: number, capture: OutputCapture, ended: Promise<TerminalEnd>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), Math.min(timeoutSeconds * 1000, MAX_TIMER_MS))));
    const end = await Promise.race([ended, limit]);
    clearTimeout(timer);
    const finish = (status: RunEndStatus, exitCode: number | null, error: string | null) => report(reportOf(runId, start.startedAt, status, exitCode, capture.finish(), error));
    if (end === "timeout") {
      await terminals.kill(start.terminalId).catch(() => undefined); // closed meanwhile: it is gone either way
      // The output it printed until the kill is delivered before the end.
      await Promise.race([ended, Bun.sleep(KILLED_END_WAIT_MS)]);
      finish("timed_out", null, `The agent was still running after ${timeoutSeconds} s, the run's time limit, so it was stopped.`);
    } else if ("closed" in end) {
      finish("canceled", null, isStopping ? HOST_STOPPED_ERROR : TERMINAL_CLOSED_ERROR);
    } else {
      finish(end.exitCode === 0 ? "succeeded" : "failed", end.exitCode, null);
    }
    active.delete(runId);
    retire(start.terminalId);
  }

  return {
    /** What run.start answered for `runId` when its agent was started before (by this agent or one before it). */
    startOf: (runId: string): RunStart | undefined => outbox.get(runId)?.start,
    prepare(limits: RunLimits): PreparedRun {
      const capture = createOutputCapture(limits.outputMaxBytes);
      const ended = Promise.withResolvers<TerminalEnd>();
      return {
        follow: { onOutput: (bytes) => capture.write(bytes), onEnd: (end) => ended.resolve(end) },
        started(start) {
          try {
            outbox.started(limits.runId, start);
          } catch (error) {
            // An agent whose run is not on disk could be started a second time by a re-sent command.
            void terminals.close(start.terminalId).catch(() => undefined);
            throw new CommandError(
              "failed",
              `The run could not be recorded in the host's data folder (${error instanceof Error ? error.message : String(error)}); free disk space there and run it again.`,
            );
          }
          const done = follow(limits.runId, start, limits.timeoutSeconds, capture, ended.promise).catch((error: unknown) => {
            log.error("following a run failed", { runId: limits.runId, error: error instanceof Error ? error.stack : String(error) });
          });
          active.set(limits.runId, { terminalId: start.terminalId, done });
        },
      };
    },
    /** The agent is stopping: ends every running run's terminal and waits until each run's report is stored (`canceled`). */
    async stop(): Promise<void> {
      isStopping = true;
      const running = [...active.values()];
      await Promise.all(running.map((run) => terminals.close(run.terminalId).catch(() => undefined)));
      await Promise.all(running.map((run) => run.done));
    },
  };
}

/** The run tracker, as the run.start handler and the agent use it. */
export type RunTracker = ReturnType<typeof createRunTracker>;

function reportOf(runId: string, startedAt: string, status: RunEndStatus, exitCode: number | null, output: string, error: string | null): RunReport {
  const finishedAt = new Date();
  return { runId, status, exitCode, startedAt, finishedAt: finishedAt.toISOString(), durationMs: Math.max(0, finishedAt.getTime() - Date.parse(startedAt)), output, error };
}
