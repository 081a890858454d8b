/** A workspace's setup, agents and command after create, and teardown before delete; update renames. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectCommands } from "../../src/agent/commands/projects.ts";
import { workspaceCommands } from "../../src/agent/commands/workspaces.ts";
import { createAgentState } from "../../src/agent/state.ts";
import { CommandError } from "../../src/agent/types.ts";
import type { CommandParams, WirePreset } from "../../src/hosts/protocol.ts";
import { gitSync, makeRemote, removeTempDirs, tempDir, writeFile } from "../helpers/git-repos.ts";
import { FAKE_AGENT, fakeAgentArgs, useEmptyHome } from "./terminal-helpers.ts";
import { closeTerminals, makeTerminals, refusal, workspaceFixture } from "./workspace-fixtures.ts";

useEmptyHome();
afterAll(async () => {
  await closeTerminals();
  removeTempDirs();
});

const fixture = workspaceFixture;

const preset = (command: string): WirePreset => ({ id: command, label: command, command, args: [], promptTransport: "argv", promptArgs: [], resumeArgs: [], env: {} });

describe("setup after create", () => {
  test(".superset/setup.sh runs in the new worktree in a terminal labelled setup, and its exit is reported", async () => {
    const setup = 'echo "$SUPERSET_WORKSPACE_NAME" > setup-ran.txt\necho run >> "$SUPERSET_ROOT_PATH/setup-count"\n';
    const { create, messages, project, state } = await fixture({ ".superset/setup.sh": setup });
    const { workspace, terminals } = await create({ name: "Setup Test", branch: "with-setup" });
    expect(terminals).toEqual([{ terminalId: expect.any(String), label: "setup" }]);
    expect(readFileSync(join(workspace.worktreePath, "setup-ran.txt"), "utf8")).toBe("Setup Test\n");
    expect(messages.some((message) => /^setup exited with code 0/.test(message))).toBe(true);
    expect(state.storedWorkspace(workspace.id)?.setupDone).toBe(true);
    expect(readFileSync(join(project.repoPath, "setup-count"), "utf8")).toBe("run\n");
  });

  test("the setup commands of .superset/config.json run one after another", async () => {
    const config = JSON.stringify({ setup: ["echo one > one.txt", "echo two > two.txt"] });
    const { create } = await fixture({ ".superset/config.json": config });
    const { workspace, terminals } = await create({ branch: "with-config" });
    expect(terminals.map((terminal) => terminal.label)).toEqual(["setup"]);
    expect(existsSync(join(workspace.worktreePath, "one.txt")) && existsSync(join(workspace.worktreePath, "two.txt"))).toBe(true);
  });

  test("a failed setup is reported but the workspace is made and the command still starts", async () => {
    const { create, messages } = await fixture({ ".superset/setup.sh": "exit 3\n" });
    const result = await create({ branch: "bad-setup", command: "echo hi > command-ran.txt" });
    expect(result.workspace.worktreeExists).toBe(true);
    expect(result.terminals.map((terminal) => terminal.label)).toEqual(["setup", "command"]);
    expect(messages).toContain(`Setup failed with exit code 3; read terminal ${result.terminals[0]?.terminalId} to see why.`);
  });

  test("a re-run after a crash does not repeat a finished setup", async () => {
    const { create, state, project } = await fixture({ ".superset/setup.sh": 'echo run >> "$SUPERSET_ROOT_PATH/setup-count"\n' });
    const first = await create({ workspaceId: "w-crash", branch: "crashy" });
    // As if the agent died after setup but before answering.
    await state.patchWorkspace("w-crash", { createResult: undefined });
    const again = await create({ workspaceId: "w-crash", branch: "crashy", command: "true" });
    expect(again.workspace).toEqual(first.workspace);
    expect(again.terminals.map((terminal) => terminal.label)).toEqual(["command"]);
    expect(readFileSync(join(project.repoPath, "setup-count"), "utf8")).toBe("run\n");
  });
});

describe("agents and command after create", () => {
  test("agents launch after setup, each in its own terminal, then the command; hostile prompts stay one argument", async () => {
    const { create, dataDir, terminals } = await fixture({ ".superset/setup.sh": "echo set > setup-ran.txt\n" });
    const out = join(dataDir, "agent-args");
    const agent = { ...preset(FAKE_AGENT), label: "Fake Agent", env: { FAKE_AGENT_OUT: out } };
    const prompt = "$(touch pwned); `id`";
    const result = await create({ branch: "agents-ok", agents: [{ preset: agent, prompt }], command: "echo ran > command-ran.txt" });
    expect(result.agents).toEqual([{ ok: true, sessionId: expect.any(String), label: "Fake Agent" }]);
    expect(result.terminals).toEqual([
      { terminalId: expect.any(String), label: "setup" },
      { terminalId: result.agents[0]?.sessionId, label: "Fake Agent" },
      { terminalId: expect.any(String), label: "command" },
    ]);
    expect(await terminals.waitForExit(result.agents[0]?.sessionId ?? "", 5000)).toBe(0);
    expect(await fakeAgentArgs(out)).toEqual([prompt]);
    expect(existsSync(join(result.workspace.worktreePath, "pwned"))).toBe(false);
  });

  test("a failed agent launch is reported in agents[] and does not fail the create", async () => {
    const { create } = await fixture();
    const result = await create({ branch: "agents", agents: [{ preset: preset("definitely-not-installed-agent-xyz"), prompt: "hi" }], command: "true" });
    expect(result.agents).toHaveLength(1);
    expect(result.agents[0]?.ok).toBe(false);
    expect(result.agents[0]?.error).toEqual(expect.any(String));
    expect(result.terminals.map((terminal) => terminal.label)).toEqual(["command"]);
  });
});

describe("workspace.delete", () => {
  test("teardown runs first, its failure is only a warning; the worktree goes, the branch stays", async () => {
    const { create, remove, project, state, terminals } = await fixture({ ".superset/teardown.sh": "echo bye > ../teardown-ran.txt\nexit 4\n" });
    const { workspace } = await create({ branch: "to-delete", command: "sleep 30" });
    const result = await remove(workspace.id);
    expect(result).toEqual({ success: true, worktreeRemoved: true, branchDeleted: false, warnings: ["Teardown exited with code 4; the workspace was deleted anyway."] });
    expect(existsSync(join(workspace.worktreePath, "..", "teardown-ran.txt"))).toBe(true);
    expect(existsSync(workspace.worktreePath)).toBe(false);
    expect(gitSync(project.repoPath, ["rev-parse", "--verify", "refs/heads/to-delete"])).toMatch(/^[0-9a-f]{40}$/);
    expect(gitSync(project.repoPath, ["worktree", "list", "--porcelain"])).not.toContain("to-delete");
    expect(state.workspace(workspace.id)).toBeUndefined();
    expect(terminals.list(workspace.id)).toEqual([]);
  });

  test("a session workspace's folder is removed", async () => {
    const { create, remove } = await fixture();
    const { workspace } = await create({ projectId: undefined, name: "Scratch" });
    expect((await remove(workspace.id)).worktreeRemoved).toBe(true);
    expect(existsSync(workspace.worktreePath)).toBe(false);
  });

  test("a main workspace cannot be deleted, and an unknown id is not found", async () => {
    const { remove, mainWorkspace, project } = await fixture();
    const error = await refusal(remove(mainWorkspace.id));
    expect(error).toMatchObject({ code: "invalid", message: "A project's main workspace cannot be deleted; delete its worktree or session workspaces instead." });
    expect(existsSync(project.repoPath)).toBe(true);
    expect((await refusal(remove("nope"))).code).toBe("not_found");
  });

  test("deleting a worktree whose folder is already gone still forgets it", async () => {
    const { create, remove, state, project } = await fixture();
    const { workspace } = await create({ branch: "gone" });
    gitSync(project.repoPath, ["worktree", "remove", "--force", workspace.worktreePath]);
    expect(await remove(workspace.id)).toMatchObject({ success: true, worktreeRemoved: true, warnings: [] });
    expect(state.workspace(workspace.id)).toBeUndefined();
  });
});

describe("workspace.update", () => {
  test("renames, and only renames", async () => {
    const { create, handlers } = await fixture();
    const { workspace } = await create({ branch: "rename-me" });
    const { workspace: renamed } = await handlers["workspace.update"]({ id: workspace.id, name: "  New name " }, () => {});
    expect(renamed).toMatchObject({ id: workspace.id, name: "New name", branch: "rename-me", worktreePath: workspace.worktreePath });
    expect((await refusal(handlers["workspace.update"]({ id: "nope", name: "x" }, () => {}))).code).toBe("not_found");
  });
});
