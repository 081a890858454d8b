/** The agent's state file: survives a reload, ignores a torn temp file, refuses a corrupt file, and computes worktreeExists fresh. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HostProject } from "../../src/hosts/protocol.ts";
import { createAgentState, type StoredWorkspace } from "../../src/agent/state.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";

afterAll(removeTempDirs);

const now = "2025-01-01T00:00:00.000Z";
const project = (id: string, repoPath = `/repos/${id}`): HostProject => ({ id, name: id, repoPath, repoUrl: null, defaultBranch: "main", createdAt: now, updatedAt: now });
const workspace = (id: string, worktreePath: string): StoredWorkspace => ({
  id,
  projectId: "p1",
  name: id,
  branch: id,
  type: "worktree",
  worktreePath,
  taskId: null,
  createdByUserId: "u1",
  createdAt: now,
  updatedAt: now,
});

describe("agent state", () => {
  test("projects and workspaces survive a reload", async () => {
    const dir = tempDir();
    const state = createAgentState(dir);
    await state.saveProject(project("p1"));
    await state.saveWorkspace(workspace("w1", join(dir, "w1")));
    await state.patchWorkspace("w1", { setupDone: true });
    await state.setCloneInProgress("p2", "/somewhere/p2");

    const reloaded = createAgentState(dir);
    expect(reloaded.project("p1")).toEqual(project("p1"));
    expect(reloaded.projectByPath("/repos/p1")?.id).toBe("p1");
    expect(reloaded.workspace("w1")?.name).toBe("w1");
    expect(reloaded.storedWorkspace("w1")?.setupDone).toBe(true);
    expect(reloaded.cloneInProgress("p2")).toBe("/somewhere/p2");
    expect(reloaded.workspaceOnBranch("p1", "w1")?.id).toBe("w1");
  });

  test("the wire shape of a workspace has no private fields and a fresh worktreeExists", async () => {
    const dir = tempDir();
    const state = createAgentState(dir);
    const folder = join(dir, "w1");
    await state.saveWorkspace({ ...workspace("w1", folder), setupDone: true, createResult: { terminals: [], agents: [], alreadyExists: false } });
    expect(state.workspace("w1")?.worktreeExists).toBe(false);
    expect(Object.keys(state.workspace("w1") ?? {}).sort()).toEqual([...Object.keys(workspace("w1", folder)), "worktreeExists"].sort());
    mkdirSync(folder);
    expect(state.workspace("w1")?.worktreeExists).toBe(true);
    expect(state.workspaces()[0]?.worktreeExists).toBe(true);
    rmSync(folder, { recursive: true });
    expect(state.workspaces("p1")[0]?.worktreeExists).toBe(false);
    expect(state.workspaces("other")).toEqual([]);
  });

  test("a torn temp file from a killed write is ignored and removed, the last complete state is kept", async () => {
    const dir = tempDir();
    await createAgentState(dir).saveProject(project("p1"));
    writeFileSync(join(dir, "state.json.4242.7.tmp"), '{"version":1,"projects":{"p2":');
    const reloaded = createAgentState(dir);
    expect(reloaded.projects().map((p) => p.id)).toEqual(["p1"]);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  test("a corrupt state file is refused with a sentence saying what to do, never silently emptied", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "state.json"), "{not json");
    expect(() => createAgentState(dir)).toThrow(/not valid JSON; move it aside/);
    expect(readFileSync(join(dir, "state.json"), "utf8")).toBe("{not json");
  });

  test("many mutations at once are all written, and the file is always complete JSON", async () => {
    const dir = tempDir();
    const state = createAgentState(dir);
    await Promise.all(Array.from({ length: 40 }, (_, i) => state.saveProject(project(`p${i}`))));
    await state.removeWorkspace("never-there");
    await state.flush();
    const file = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as { projects: Record<string, unknown> };
    expect(Object.keys(file.projects)).toHaveLength(40);
    expect(createAgentState(dir).projects()).toHaveLength(40);
  });

  test("removeWorkspace forgets it across a reload", async () => {
    const dir = tempDir();
    const state = createAgentState(dir);
    await state.saveWorkspace(workspace("w1", "/x"));
    await state.removeWorkspace("w1");
    expect(state.workspace("w1")).toBeUndefined();
    expect(createAgentState(dir).workspace("w1")).toBeUndefined();
    expect(existsSync(join(dir, "state.json"))).toBe(true);
  });
});
