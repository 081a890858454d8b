/**
 * The host agent: its state and terminals, the executor that does the work, the journal that
 * makes a repeated command id answer with its first outcome, the run tracker and outbox that
 * report how automation runs ended, and the connection to the server.
 *
 * Run reports: one is sent as soon as its run ends if the agent is connected (welcomed), and
 * every report the server has not acknowledged is sent again after each welcome; a report is
 * forgotten only on the server's `runAck`.
 */
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { READ_ONLY_COMMANDS, type HostFrame } from "../hosts/protocol.ts";
import { log } from "../log.ts";
import { VERSION } from "../version.ts";
import { connectToServer, type CommandFrame, type HelloFrame } from "./connection.ts";
import { createExecutor } from "./executor.ts";
import { openJournal, type Outcome } from "./journal.ts";
import { machineHostId } from "./machine-id.ts";
import { openRunOutbox } from "./run-outbox.ts";
import { createRunTracker } from "./run-tracker.ts";
import { createAgentState } from "./state.ts";
import { createTerminalManager } from "./terminals.ts";
import { CommandError } from "./types.ts";

export interface HostAgentOptions {
  /** The server's URLs (replicas of one deployment), tried in turn on reconnect. */
  serverUrls: readonly string[];
  token: string;
  dataDir: string;
  /** Overrides the machine id (tests run several hosts on one machine). */
  hostId?: string;
  name?: string;
  /** Called once when the server refuses this agent for good. */
  onRefused?(reason: string): void;
}

function outcomeOf(error: unknown): Outcome {
  if (error instanceof CommandError) return { ok: false, error: { code: error.code, message: error.message } };
  log.error("command failed", { error: error instanceof Error ? error.stack : String(error) });
  return { ok: false, error: { code: "failed", message: `The host agent failed unexpectedly (${error instanceof Error ? error.message : String(error)}); see its log.` } };
}

export function startHostAgent(options: HostAgentOptions) {
  mkdirSync(options.dataDir, { recursive: true });
  const hostId = options.hostId ?? machineHostId();
  const state = createAgentState(options.dataDir);
  const terminals = createTerminalManager();
  const outbox = openRunOutbox(options.dataDir);
  const runs = createRunTracker({
    terminals,
    outbox,
    onReport(report) {
      // While away the report waits in the outbox for the next welcome.
      if (connection.isConnected()) reply({ type: "run", report });
    },
  });
  const executor = createExecutor({ dataDir: options.dataDir, state, terminals, runs });
  const journal = openJournal(options.dataDir);
  /** Commands running now, so a re-sent id joins the run instead of starting another and an `abort` reaches it. */
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  const capabilities = {
    git: Bun.which("git") !== null,
    gh: Bun.which("gh") !== null,
    pty: process.platform !== "win32",
  };

  async function hello(): Promise<HelloFrame> {
    return { type: "hello", hostId, name: options.name ?? hostname(), platform: `${process.platform}-${process.arch}`, agentVersion: VERSION, capabilities, inventory: await executor.inventory() };
  }

  const reply = (frame: HostFrame) => connection.send(frame);
  const answer = (id: string, outcome: Outcome) =>
    reply(outcome.ok ? { type: "result", id, ok: true, result: outcome.result } : { type: "result", id, ok: false, error: outcome.error as { code: "failed"; message: string } });

  async function execute(frame: CommandFrame, signal?: AbortSignal): Promise<Outcome> {
    try {
      const result = await executor.run(frame.name, frame.params, (progress, total, message) => reply({ type: "progress", id: frame.id, progress, total, message }), signal);
      return { ok: true, result };
    } catch (error) {
      return outcomeOf(error);
    }
  }

  async function onCommand(frame: CommandFrame): Promise<void> {
    reply({ type: "ack", id: frame.id });
    if (READ_ONLY_COMMANDS.has(frame.name)) {
      answer(frame.id, await execute(frame));
      return;
    }
    const done = journal.get(frame.id)?.outcome;
    if (done) return void answer(frame.id, done);
    if (running.has(frame.id)) return;
    const controller = new AbortController();
    const { promise: settled, resolve: finished } = Promise.withResolvers<void>();
    running.set(frame.id, { controller, done: settled });
    journal.begin(frame.id, frame.name);
    const outcome = await execute(frame, controller.signal);
    running.delete(frame.id);
    finished();
    if (controller.signal.aborted) {
      // Undone work is not journaled, so the same id sent again after a restart (an abort by stop()) runs afresh.
      if (outcome.ok) journal.finish(frame.id, outcome);
      // The server already failed the call and ignores this id now: nothing more is said about it.
      log.info("command aborted", { id: frame.id, name: frame.name, finished: outcome.ok });
    } else {
      journal.finish(frame.id, outcome);
      answer(frame.id, outcome);
    }
    // The server's records follow the host's: after a change, send what the host now has.
    reply({ type: "inventory", inventory: await executor.inventory() });
  }

  const connection = connectToServer({
    serverUrls: options.serverUrls,
    token: options.token,
    hello,
    onCommand: (frame) => void onCommand(frame),
    onWelcome() {
      for (const report of outbox.reports()) reply({ type: "run", report });
    },
    onRunAck: (runId) => outbox.acknowledge(runId),
    // An unknown id (never sent, read-only, or already finished) has nothing to stop.
    onAbort: (id) => running.get(id)?.controller.abort(),
    onRefused(reason) {
      log.error("the server refused this host", { reason });
      options.onRefused?.(reason);
    },
  });

  return {
    hostId,
    isConnected: connection.isConnected,
    async stop(): Promise<void> {
      connection.stop();
      // Clones run in process groups of their own, which would outlive the agent: stop them and let their handlers tidy up.
      const stopping = [...running.values()];
      for (const command of stopping) command.controller.abort();
      await Promise.all(stopping.map((command) => command.done));
      // Runs still going are reported canceled (stored for the next start) before their terminals go.
      await runs.stop();
      await terminals.closeAll();
    },
  };
}
