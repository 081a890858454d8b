/** Shared pieces of the automation-run tests: the fake agent as a preset, and run.start over a real project with its reports collected. */
import { join } from "node:path";
import { runCommands } from "../../src/agent/commands/runs.ts";
import { openRunOutbox } from "../../src/agent/run-outbox.ts";
import { createRunTracker } from "../../src/agent/run-tracker.ts";
import type { CommandParams, RunReport, WirePreset } from "../../src/hosts/protocol.ts";
import { eventually } from "../helpers/eventually.ts";
import { tempDir } from "../helpers/git-repos.ts";
import { FAKE_AGENT } from "./terminal-helpers.ts";
import { workspaceFixture } from "./workspace-fixtures.ts";

export type StartParams = CommandParams<"run.start">;

/** The fake agent as a preset; `env` drives it (FAKE_AGENT_EXIT, FAKE_AGENT_SLEEP, FAKE_AGENT_LINES…). */
export function fakePreset(env: Record<string, string> = {}): WirePreset {
  return { id: "fake", label: "Fake Agent", command: FAKE_AGENT, args: [], promptTransport: "argv", promptArgs: [], resumeArgs: [], env };
}

/** A file the fake agent writes its arguments to (read with fakeAgentArgs). */
export const argsFile = () => join(tempDir(), "args");

/** run.start params for run number `n`: a fresh worktree of p1, the fake agent, generous limits. */
export function startParams(n: number, overrides: Partial<StartParams> = {}): StartParams {
  return {
    runId: `run-${n}`,
    automationId: "auto-1",
    placement: { mode: "worktree", projectId: "p1" },
    newWorkspaceId: `run-ws-${n}`,
    workspaceName: `Nightly ${n}`,
    branch: `automation/nightly-${n}`,
    createdByUserId: "u1",
    preset: fakePreset(),
    prompt: "Tidy the README",
    timeoutSeconds: 60,
    outputMaxBytes: 100_000,
    ...overrides,
  };
}

/**
 * A project (see workspaceFixture) with the run.start handler over its real terminals, a run
 * tracker whose reports are collected, and `restart()` standing for a new agent on the same data dir.
 */
export async function runFixture(files: Record<string, string> = {}, keptFinishedTerminals?: number) {
  const base = await workspaceFixture(files);
  const reports: RunReport[] = [];
  const open = () => {
    const outbox = openRunOutbox(base.dataDir);
    const runs = createRunTracker({ terminals: base.terminals, outbox, onReport: (report) => void reports.push(report), keptFinishedTerminals });
    return { outbox, runs, handler: runCommands({ dataDir: base.dataDir, state: base.state, terminals: base.terminals, runs })["run.start"] };
  };
  let agent = open();
  let count = 0;
  return {
    ...base,
    reports,
    get outbox() {
      return agent.outbox;
    },
    get runs() {
      return agent.runs;
    },
    /** Starts the next run (see startParams) with `overrides`; answers its params and run.start's result. */
    async start(overrides: Partial<StartParams> = {}) {
      const params = startParams(++count, overrides);
      return { params, result: await agent.handler(params, () => {}) };
    },
    /** Sends exactly these params again, as a re-sent command would. */
    startAgain: (params: StartParams) => agent.handler(params, () => {}),
    /** The report of `runId` once it is made. */
    reportOf: (runId: string, timeoutMs?: number) => eventually(`the report of ${runId}`, () => reports.find((report) => report.runId === runId), timeoutMs),
    /** A new outbox and tracker over the same data dir, as after the agent died and started again. */
    restart() {
      agent = open();
    },
  };
}
