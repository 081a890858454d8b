/** run.start on real git repositories and real PTYs: where a run works, how its agent starts, and how its end is reported. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { terminalCommands } from "../../src/agent/commands/terminals.ts";
import { droppedMarker } from "../../src/agent/output-capture.ts";
import { HOST_STOPPED_ERROR, TERMINAL_CLOSED_ERROR } from "../../src/agent/run-tracker.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { argsFile, fakePreset, runFixture } from "./run-fixtures.ts";
import { fakeAgentArgs, useEmptyHome } from "./terminal-helpers.ts";
import { closeTerminals, refusal } from "./workspace-fixtures.ts";

useEmptyHome();
afterAll(async () => {
  await closeTerminals();
  removeTempDirs();
});

describe("where a run works", () => {
  test("worktree: a fresh worktree on the run's branch, with the project's setup run before the agent", async () => {
    const t = await runFixture({ ".superset/setup.sh": "echo prepared > setup-ran.txt\n" });
    const out = argsFile();
    const { params, result } = await t.start({ preset: fakePreset({ FAKE_AGENT_OUT: out }) });
    expect(result).toEqual({
      workspace: expect.objectContaining({ id: "run-ws-1", projectId: "p1", name: "Nightly 1", type: "worktree", branch: "automation/nightly-1", createdByUserId: "u1", worktreeExists: true }),
      terminalId: expect.any(String),
      startedAt: expect.any(String),
      note: null,
    });
    expect(result.workspace.worktreePath).toBe(join(t.dataDir, "worktrees", "p1", "automation", "nightly-1"));
    expect(t.branchOf(result.workspace.worktreePath)).toBe("automation/nightly-1");
    expect(t.terminals.get(result.terminalId)).toMatchObject({ workspaceId: "run-ws-1", label: "Fake Agent" });
    const report = await t.reportOf(params.runId);
    expect(report.status).toBe("succeeded");
    expect(report.output).toContain(`fake-agent cwd=${result.workspace.worktreePath}\n`);
    expect(existsSync(join(result.workspace.worktreePath, "setup-ran.txt"))).toBe(true);
    expect(t.state.workspace("run-ws-1")).toEqual(result.workspace);
  });

  test("session: a fresh session workspace with the server's id and name", async () => {
    const t = await runFixture();
    const { result } = await t.start({ placement: { mode: "session" } });
    expect(result.workspace).toMatchObject({
      id: "run-ws-1",
      projectId: null,
      name: "Nightly 1",
      type: "session",
      branch: "main",
      worktreePath: join(t.dataDir, "sessions", "run-ws-1"),
      worktreeExists: true,
    });
    expect(result.note).toBeNull();
  });

  test("pinned: the pinned workspace itself while it exists", async () => {
    const t = await runFixture();
    const { params, result } = await t.start({ placement: { mode: "pinned", workspaceId: t.mainWorkspace.id, fallbackProjectId: "p1" } });
    expect(result.workspace.id).toBe(t.mainWorkspace.id);
    expect(result.note).toBeNull();
    expect(t.state.workspace(params.newWorkspaceId)).toBeUndefined();
    expect((await t.reportOf(params.runId)).output).toContain(`fake-agent cwd=${t.mainWorkspace.worktreePath}\n`);
  });

  test("pinned and gone (unknown here, or its folder deleted): a fresh worktree of the fallback project, said in the note", async () => {
    const t = await runFixture();
    const unknown = await t.start({ placement: { mode: "pinned", workspaceId: "ws-unknown", fallbackProjectId: "p1" } });
    expect(unknown.result.workspace).toMatchObject({ id: unknown.params.newWorkspaceId, type: "worktree", projectId: "p1", branch: unknown.params.branch });
    expect(unknown.result.note).toBe(`Workspace ws-unknown is gone; this run used a fresh worktree workspace ${unknown.params.newWorkspaceId}.`);

    const { workspace: deleted } = await t.create({ workspaceId: "ws-deleted", branch: "soon-gone" });
    rmSync(deleted.worktreePath, { recursive: true });
    const gone = await t.start({ placement: { mode: "pinned", workspaceId: "ws-deleted", fallbackProjectId: "p1" } });
    expect(gone.result.workspace).toMatchObject({ id: gone.params.newWorkspaceId, type: "worktree" });
    expect(gone.result.note).toBe(`Workspace ws-deleted is gone; this run used a fresh worktree workspace ${gone.params.newWorkspaceId}.`);
  });

  test("pinned and gone without a usable fallback project: a fresh session, said in the note", async () => {
    const t = await runFixture();
    for (const fallbackProjectId of [null, "p-not-on-this-host"]) {
      const { params, result } = await t.start({ placement: { mode: "pinned", workspaceId: "ws-unknown", fallbackProjectId } });
      expect(result.workspace).toMatchObject({ id: params.newWorkspaceId, type: "session", projectId: null });
      expect(result.note).toBe(`Workspace ws-unknown is gone; this run used a fresh session workspace ${params.newWorkspaceId}.`);
    }
  });

  test("a branch another workspace already has is refused: a run never works in someone else's workspace", async () => {
    const t = await runFixture();
    await t.create({ workspaceId: "ws-taken", branch: "taken" });
    const error = await refusal(t.start({ branch: "taken" }));
    expect(error).toMatchObject({ code: "conflict", message: "Branch taken already has workspace ws-taken on this host, and a run needs a fresh one; give the run another branch." });
    expect(t.outbox.get("run-1")).toBeUndefined();
  });
});

describe("how the agent starts", () => {
  test("a hostile prompt is one argument, unchanged, and runs nothing", async () => {
    const t = await runFixture();
    const marker = join(tempDir(), "pwned");
    const prompt = `   leading spaces\n'; rm -rf ~; '\n$(touch ${marker})\n\`touch ${marker}\`\n"; touch ${marker}; "\ttab & | > ${marker}`;
    const out = argsFile();
    const { params } = await t.start({ prompt, preset: fakePreset({ FAKE_AGENT_OUT: out }) });
    expect((await t.reportOf(params.runId)).status).toBe("succeeded");
    expect(await fakeAgentArgs(out)).toEqual([prompt]);
    expect(existsSync(marker)).toBe(false);
  });

  test("a preset whose program is not installed fails the command as unavailable before any workspace is made, and no run is recorded", async () => {
    const t = await runFixture();
    const error = await refusal(t.start({ preset: { ...fakePreset(), id: "gone", command: "definitely-not-installed-xyz" } }));
    expect(error.code).toBe("unavailable");
    expect(error.message).toBe('definitely-not-installed-xyz is not installed on this host (not found on its PATH); install it, or set the full path as the command of preset "gone".');
    expect(t.outbox.get("run-1")).toBeUndefined();
    expect(t.state.workspace("run-ws-1")).toBeUndefined();
    expect(t.terminals.list().filter((terminal) => terminal.label === "Fake Agent")).toEqual([]);
  });

  test("a prompt the agent would read as an option is refused before any workspace is made", async () => {
    const t = await runFixture();
    const error = await refusal(t.start({ prompt: "--mcp-config=/tmp/evil.json" }));
    expect(error.code).toBe("invalid");
    expect(t.state.workspace("run-ws-1")).toBeUndefined();
  });
});

describe("how a run's end is reported", () => {
  test("exit 0: succeeded, with the plain-text output, times and no error", async () => {
    const t = await runFixture();
    // The prompt is echoed by the fake agent, so its escape sequences reach the terminal raw.
    const { params, result } = await t.start({ prompt: "say \x1b[1;31mred\x1b[0m please", placement: { mode: "session" } });
    const report = await t.reportOf(params.runId);
    expect(report).toEqual({
      runId: params.runId,
      status: "succeeded",
      exitCode: 0,
      startedAt: result.startedAt,
      finishedAt: expect.any(String),
      durationMs: expect.any(Number),
      output: expect.any(String),
      error: null,
    });
    expect(report.output).toBe(`ARG[1]=say red please\nfake-agent cwd=${result.workspace.worktreePath}\nfake-agent done\n`);
    expect(Date.parse(report.finishedAt) - Date.parse(report.startedAt)).toBe(report.durationMs);
    // The finished terminal stays readable.
    expect(t.terminals.get(result.terminalId)).toMatchObject({ exited: true, exitCode: 0 });
    expect((await t.terminals.read(result.terminalId)).text).toContain("fake-agent done");
    expect(t.outbox.get(params.runId)?.report).toEqual(report);
  });

  test("exit 3: failed with exit code 3 and the output", async () => {
    const t = await runFixture();
    const { params } = await t.start({ placement: { mode: "session" }, preset: fakePreset({ FAKE_AGENT_EXIT: "3" }) });
    const report = await t.reportOf(params.runId);
    expect(report).toMatchObject({ status: "failed", exitCode: 3, error: null });
    expect(report.output).toEndWith("fake-agent done\n");
  });

  test("past its time limit: the agent's session is killed and the run timed out, with the output so far", async () => {
    const t = await runFixture();
    const { params, result } = await t.start({ placement: { mode: "session" }, timeoutSeconds: 1, preset: fakePreset({ FAKE_AGENT_SLEEP: "30" }) });
    const report = await t.reportOf(params.runId, 8000);
    expect(report).toMatchObject({ status: "timed_out", exitCode: null, error: "The agent was still running after 1 s, the run's time limit, so it was stopped." });
    expect(report.durationMs).toBeGreaterThanOrEqual(1000);
    expect(report.durationMs).toBeLessThan(6000);
    expect(report.output).toContain("fake-agent cwd=");
    expect(report.output).not.toContain("fake-agent done");
    expect(t.terminals.get(result.terminalId)?.exited).toBe(true);
    expect((await t.terminals.read(result.terminalId)).text).toContain("fake-agent cwd=");
  });

  test("its terminal closed (terminal.close, or its workspace deleted): canceled", async () => {
    const t = await runFixture();
    const sleepy = { placement: { mode: "session" as const }, preset: fakePreset({ FAKE_AGENT_SLEEP: "30" }) };
    const closed = await t.start(sleepy);
    await terminalCommands(t)["terminal.close"]({ workspaceId: closed.result.workspace.id, terminalId: closed.result.terminalId }, () => {});
    expect(await t.reportOf(closed.params.runId)).toMatchObject({ status: "canceled", exitCode: null, error: TERMINAL_CLOSED_ERROR });

    const deleted = await t.start(sleepy);
    await t.remove(deleted.result.workspace.id);
    expect(await t.reportOf(deleted.params.runId)).toMatchObject({ status: "canceled", error: TERMINAL_CLOSED_ERROR });
  });

  test("output over the cap keeps the head and the tail around the marker", async () => {
    const t = await runFixture();
    const { params } = await t.start({ placement: { mode: "session" }, outputMaxBytes: 2000, preset: fakePreset({ FAKE_AGENT_LINES: "5000" }) });
    const { output } = await t.reportOf(params.runId);
    expect(new TextEncoder().encode(output).length).toBeLessThanOrEqual(2000);
    expect(output).toStartWith("ARG[1]=Tidy the README\nfake-agent cwd=");
    expect(output).toMatch(/\n\[… \d+ bytes of output dropped …\]\n/);
    expect(output).toEndWith("line 04999\nline 05000\nfake-agent done\n");
    expect(droppedMarker(1)).toContain("bytes of output dropped");
  });

  test("the agent stopping reports runs still going as canceled, with their output so far", async () => {
    const t = await runFixture();
    const { params } = await t.start({ placement: { mode: "session" }, preset: fakePreset({ FAKE_AGENT_SLEEP: "30" }) });
    await Bun.sleep(300);
    await t.runs.stop();
    const report = t.reports.find((made) => made.runId === params.runId);
    expect(report).toMatchObject({ status: "canceled", error: HOST_STOPPED_ERROR });
    expect(report?.output).toContain("fake-agent cwd=");
    expect(t.outbox.reports()).toEqual([report!]);
  });

  test("only the newest finished run terminals stay; older ones are closed", async () => {
    const t = await runFixture({}, 2);
    const started = [];
    for (let i = 0; i < 4; i++) {
      const run = await t.start({ placement: { mode: "session" } });
      await t.reportOf(run.params.runId);
      started.push(run.result.terminalId);
    }
    expect(started.map((id) => t.terminals.get(id) !== undefined)).toEqual([false, false, true, true]);
  });
});

describe("a run started again", () => {
  test("after the agent died between the launch and its answer: answered from the record, no second agent, reported canceled", async () => {
    const t = await runFixture();
    const { params, result } = await t.start({ preset: fakePreset({ FAKE_AGENT_SLEEP: "30" }) });
    const agents = () => t.terminals.list().filter((terminal) => terminal.label === "Fake Agent").length;
    expect(agents()).toBe(1);
    // A new agent on the same data dir: the run it finds started and unreported died with the old one.
    t.restart();
    expect(t.outbox.reports()).toEqual([expect.objectContaining({ runId: params.runId, status: "canceled", exitCode: null, output: "", error: HOST_STOPPED_ERROR, startedAt: result.startedAt })]);
    expect(await t.startAgain(params)).toEqual(result);
    expect(agents()).toBe(1);
  });

  test("after a crash before the launch: the server's workspace id is finished, not made twice", async () => {
    const t = await runFixture();
    const params = { ...(await t.start({ placement: { mode: "session" } })).params };
    // As if the first attempt had made this workspace and died: same workspace id, new run id.
    const again = await t.startAgain({ ...params, runId: "run-retry" });
    expect(again.workspace.id).toBe(params.newWorkspaceId);
    expect(t.state.workspaces().filter((workspace) => workspace.id === params.newWorkspaceId)).toHaveLength(1);
    expect((await t.reportOf("run-retry")).status).toBe("succeeded");
  });
});
