/** terminal.* and agent.* commands: terminals reached only through their workspace, cwd kept inside it, presets launched as argv. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { agentCommands } from "../../src/agent/commands/agents.ts";
import { terminalCommands } from "../../src/agent/commands/terminals.ts";
import { createAgentState, type StoredWorkspace } from "../../src/agent/state.ts";
import { createTerminalManager } from "../../src/agent/terminals.ts";
import type { WirePreset } from "../../src/hosts/protocol.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { FAKE_AGENT, fakeAgentArgs, thrown, useEmptyHome, waitForScreen } from "./terminal-helpers.ts";

const now = "2025-01-01T00:00:00.000Z";
const state = createAgentState(tempDir());
const terminals = createTerminalManager({ cols: 80, rows: 24, killGraceMs: 200 });
const commands = { ...terminalCommands({ state, terminals }), ...agentCommands({ state, terminals }) };
const noProgress = () => {};
const roots: Record<string, string> = { w1: tempDir(), w2: tempDir() };

function stored(id: string): StoredWorkspace {
  return { id, projectId: null, name: id, branch: id, type: "session", worktreePath: roots[id]!, taskId: null, createdByUserId: "u1", createdAt: now, updatedAt: now };
}

beforeAll(async () => {
  await state.saveWorkspace(stored("w1"));
  await state.saveWorkspace(stored("w2"));
  mkdirSync(join(roots.w1!, "sub"));
});
afterEach(() => terminals.closeAll());
afterAll(removeTempDirs);
useEmptyHome();

const create = (params: { workspaceId: string; command?: string; cwd?: string }) => commands["terminal.create"](params, noProgress);
const read = (workspaceId: string, terminalId: string, maxLines?: number) => commands["terminal.read"]({ workspaceId, terminalId, maxLines }, noProgress);

describe("terminal commands", () => {
  test("a command runs in the user's shell in the workspace folder; list, read and close go through the workspace", async () => {
    const created = await create({ workspaceId: "w1", command: "  echo hi there; pwd; exit 4 " });
    expect(created.status).toBe("active");
    expect(await terminals.waitForExit(created.terminalId, 5000)).toBe(4);
    expect(terminals.get(created.terminalId)?.label).toBe("echo");
    const screen = await read("w1", created.terminalId);
    expect(screen).toMatchObject({ terminalId: created.terminalId, cols: 80, rows: 24 });
    expect(screen.text).toEndWith(`hi there\n${roots.w1}`);
    expect((await read("w1", created.terminalId, 1)).text).toBe(roots.w1!);
    const listed = await commands["terminal.list"]({ workspaceId: "w1" }, noProgress);
    expect(listed.sessions).toEqual([{ terminalId: created.terminalId, workspaceId: "w1", createdAt: expect.any(String), exited: true, exitCode: 4, title: "echo" }]);
    expect((await commands["terminal.list"]({ workspaceId: "w2" }, noProgress)).sessions).toEqual([]);
    expect(await commands["terminal.close"]({ workspaceId: "w1", terminalId: created.terminalId }, noProgress)).toEqual({ terminalId: created.terminalId, status: "disposed" });
    expect((await commands["terminal.list"]({ workspaceId: "w1" }, noProgress)).sessions).toEqual([]);
  });

  test("a blank command opens an interactive shell that send drives", async () => {
    for (const command of [undefined, "   "]) {
      const { terminalId } = await create({ workspaceId: "w1", command });
      expect(terminals.get(terminalId)?.label).toBe("terminal");
      expect(await commands["terminal.send"]({ workspaceId: "w1", terminalId, text: "echo sum=$((40 + 2))", submit: true }, noProgress)).toEqual({ terminalId, submitted: true });
      await waitForScreen(terminals, terminalId, /^sum=42$/m);
      expect(await commands["terminal.send"]({ workspaceId: "w1", terminalId, text: "echo typed-only", submit: false }, noProgress)).toEqual({ terminalId, submitted: false });
      await waitForScreen(terminals, terminalId, /echo typed-only$/);
      expect((await read("w1", terminalId)).text).not.toMatch(/^typed-only$/m);
    }
  });

  test("cwd is resolved inside the workspace and refused outside it", async () => {
    const { terminalId } = await create({ workspaceId: "w1", command: "pwd", cwd: "sub" });
    await terminals.waitForExit(terminalId, 5000);
    expect((await read("w1", terminalId)).text).toEndWith(join(roots.w1!, "sub"));
    for (const cwd of ["..", "/etc", roots.w2!, "sub/../../x"]) {
      const refused = await thrown(() => create({ workspaceId: "w1", command: "pwd", cwd }));
      expect(refused.code).toBe("invalid");
      expect(refused.message).toContain("is outside");
    }
    expect(terminals.list()).toHaveLength(1);
  });

  test("unknown workspaces and terminals, and another workspace's terminal, are not found", async () => {
    const missingWorkspace = await thrown(() => create({ workspaceId: "nope" }));
    expect(missingWorkspace).toMatchObject({ code: "not_found", message: 'Workspace "nope" not found on this host; call workspaces_list.' });
    expect((await thrown(() => commands["terminal.list"]({ workspaceId: "nope" }, noProgress))).code).toBe("not_found");
    const { terminalId } = await create({ workspaceId: "w1", command: "sleep 30" });
    for (const [workspaceId, id] of [
      ["w1", "unknown-id"],
      ["w2", terminalId],
    ] as const) {
      const expected = { code: "not_found", message: `Terminal "${id}" not found in workspace ${workspaceId}; call terminals_list for its terminals.` };
      expect(await thrown(() => read(workspaceId, id))).toMatchObject(expected);
      expect(await thrown(() => commands["terminal.send"]({ workspaceId, terminalId: id, text: "x", submit: true }, noProgress))).toMatchObject(expected);
      expect(await thrown(() => commands["terminal.close"]({ workspaceId, terminalId: id }, noProgress))).toMatchObject(expected);
    }
    expect(terminals.get(terminalId)?.exited).toBe(false);
  });
});

describe("agent commands", () => {
  const preset = (overrides: Partial<WirePreset> = {}): WirePreset => ({
    id: "fake",
    label: "Fake Agent",
    command: FAKE_AGENT,
    args: ["--yes"],
    promptTransport: "argv",
    promptArgs: [],
    resumeArgs: ["--resume", "{sessionId}"],
    env: {},
    ...overrides,
  });

  test("agent.list marks which presets' programs are installed here", async () => {
    const presets = [preset(), preset({ id: "gone", command: "definitely-not-installed-xyz" })];
    const { agents } = await commands["agent.list"]({ presets }, noProgress);
    expect(agents).toEqual([
      { ...presets[0]!, available: true },
      { ...presets[1]!, available: false },
    ]);
  });

  test("agent.launch starts the preset in the workspace and answers its terminal as the session", async () => {
    const out = join(tempDir(), "args");
    const result = await commands["agent.launch"]({ workspaceId: "w2", preset: preset({ env: { FAKE_AGENT_OUT: out } }), prompt: "'; rm -rf ~; '", resumeSessionId: "s-1" }, noProgress);
    expect(result).toEqual({ kind: "terminal", sessionId: expect.any(String), label: "Fake Agent" });
    expect(await terminals.waitForExit(result.sessionId, 5000)).toBe(0);
    expect(await fakeAgentArgs(out)).toEqual(["--yes", "--resume", "s-1", "'; rm -rf ~; '"]);
    expect((await read("w2", result.sessionId)).text).toContain(`fake-agent cwd=${roots.w2}`);
  });

  test("agent.launch refuses a missing program, an empty command and an unknown workspace", async () => {
    const missing = await thrown(() => commands["agent.launch"]({ workspaceId: "w1", preset: preset({ command: "definitely-not-installed-xyz" }) }, noProgress));
    expect(missing.code).toBe("unavailable");
    expect(missing.message).toStartWith("definitely-not-installed-xyz is not installed on this host");
    expect((await thrown(() => commands["agent.launch"]({ workspaceId: "w1", preset: preset({ command: "" }) }, noProgress))).code).toBe("invalid");
    expect((await thrown(() => commands["agent.launch"]({ workspaceId: "nope", preset: preset() }, noProgress))).code).toBe("not_found");
    expect(terminals.list()).toEqual([]);
  });
});
