/** The executor: params checked against the wire schema before any handler runs, and the inventory it reports. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { createExecutor } from "../../src/agent/executor.ts";
import { openRunOutbox } from "../../src/agent/run-outbox.ts";
import { createRunTracker } from "../../src/agent/run-tracker.ts";
import { createAgentState } from "../../src/agent/state.ts";
import { CommandError } from "../../src/agent/types.ts";
import { COMMAND_NAMES } from "../../src/hosts/protocol.ts";
import { makeLocalRepo, removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { useEmptyHome } from "./terminal-helpers.ts";
import { closeTerminals, makeTerminals } from "./workspace-fixtures.ts";

useEmptyHome();
afterAll(async () => {
  await closeTerminals();
  removeTempDirs();
});

function executor() {
  const dataDir = tempDir("superset-data-");
  const state = createAgentState(dataDir);
  const terminals = makeTerminals();
  const runs = createRunTracker({ terminals, outbox: openRunOutbox(dataDir), onReport: () => {} });
  return { dataDir, state, terminals, executor: createExecutor({ dataDir, state, terminals, runs }) };
}

describe("executor", () => {
  test("params that do not match the command's schema are refused by name before any work", async () => {
    const { executor: run, state } = executor();
    let caught: unknown;
    try {
      await run.run("project.create", { projectId: 42, gitUrl: "https://example.com/x.git" }, () => {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CommandError);
    expect((caught as CommandError).code).toBe("invalid");
    expect((caught as CommandError).message).toMatch(/^Invalid parameters for project\.create: projectId: /);
    expect(state.projects()).toEqual([]);
  });

  test("every command of the protocol has a handler", async () => {
    const { executor: run } = executor();
    for (const name of COMMAND_NAMES) {
      // Empty params reach the schema check (or, for inventory, the handler): never "no handler".
      const outcome = await run
        .run(name, {}, () => {})
        .then(
          () => "ok",
          (error: unknown) => (error instanceof CommandError ? error.code : String(error)),
        );
      expect([name, outcome]).toEqual([name, name === "inventory" ? "ok" : "invalid"]);
    }
  });

  test("inventory lists projects, workspaces with a fresh worktreeExists, and terminals", async () => {
    const { executor: run } = executor();
    const repo = makeLocalRepo();
    await run.run("project.create", { projectId: "p1", localPath: repo }, () => {});
    const session = (await run.run("workspace.create", { workspaceId: "s1", name: "Scratch", createdByUserId: "u1" }, () => {})) as { workspace: { worktreePath: string } };
    const inventory = await run.inventory();
    expect(inventory.projects.map((project) => project.id)).toEqual(["p1"]);
    expect(inventory.workspaces.map((workspace) => [workspace.type, workspace.worktreeExists])).toEqual([
      ["main", true],
      ["session", true],
    ]);
    expect(inventory.terminals).toEqual([]);
    rmSync(session.workspace.worktreePath, { recursive: true });
    expect(existsSync(session.workspace.worktreePath)).toBe(false);
    expect((await run.inventory()).workspaces.find((workspace) => workspace.id === "s1")?.worktreeExists).toBe(false);
    expect(await run.run("inventory", {}, () => {})).toEqual(await run.inventory());
  });
});
