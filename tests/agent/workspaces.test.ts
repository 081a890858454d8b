/** workspace.create / update / delete on real git repositories: worktrees, sessions, idempotency and refusals. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { projectCommands } from "../../src/agent/commands/projects.ts";
import { workspaceCommands } from "../../src/agent/commands/workspaces.ts";
import { createAgentState } from "../../src/agent/state.ts";
import { CommandError } from "../../src/agent/types.ts";
import type { CommandParams } from "../../src/hosts/protocol.ts";
import { gitSync, makeRemote, removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { useEmptyHome } from "./terminal-helpers.ts";
import { closeTerminals, makeTerminals, withPath, refusal, workspaceFixture } from "./workspace-fixtures.ts";

useEmptyHome();
afterAll(async () => {
  await closeTerminals();
  removeTempDirs();
});

type CreateParams = CommandParams<"workspace.create">;

const fixture = () => workspaceFixture();

describe("worktree workspaces", () => {
  test("a new branch forks from the default branch in <dataDir>/worktrees/<projectId>/<branch>", async () => {
    const { dataDir, create, remote, branchOf, state } = await fixture();
    const { workspace, alreadyExists, terminals, agents } = await create({ workspaceId: "w-new", branch: "feature/new", taskId: "t1" });
    expect(alreadyExists).toBe(false);
    expect(terminals).toEqual([]);
    expect(agents).toEqual([]);
    expect(workspace).toMatchObject({ id: "w-new", projectId: "p1", type: "worktree", branch: "feature/new", taskId: "t1", createdByUserId: "u1", worktreeExists: true });
    expect(workspace.worktreePath).toBe(join(dataDir, "worktrees", "p1", "feature", "new"));
    expect(branchOf(workspace.worktreePath)).toBe("feature/new");
    expect(gitSync(workspace.worktreePath, ["rev-parse", "HEAD"])).toBe(remote.revParse("main"));
    expect(state.workspace("w-new")).toEqual(workspace);
  });

  test("baseBranch chooses where a new branch forks from", async () => {
    const { create, remote } = await fixture();
    const { workspace } = await create({ branch: "on-top", baseBranch: "feature/existing" });
    expect(gitSync(workspace.worktreePath, ["rev-parse", "HEAD"])).toBe(remote.revParse("feature/existing"));
    expect((await refusal(create({ branch: "other", baseBranch: "no-such-base" }))).code).toBe("not_found");
  });

  test("an existing local branch is checked out, a remote-only branch is tracked", async () => {
    const { create, project, branchOf, remote } = await fixture();
    gitSync(project.repoPath, ["branch", "local-only"]);
    const local = await create({ branch: "local-only" });
    expect(branchOf(local.workspace.worktreePath)).toBe("local-only");
    const tracked = await create({ branch: "feature/existing" });
    expect(gitSync(tracked.workspace.worktreePath, ["rev-parse", "--abbrev-ref", "@{upstream}"])).toBe("origin/feature/existing");
    // A branch pushed after the clone is fetched and tracked too.
    remote.addBranch("pushed-later");
    const later = await create({ branch: "pushed-later" });
    expect(gitSync(later.workspace.worktreePath, ["rev-parse", "--abbrev-ref", "@{upstream}"])).toBe("origin/pushed-later");
  });

  test("without a branch, one is made from the name; spaces in a branch become dashes", async () => {
    const { create } = await fixture();
    expect((await create({ name: "Fix the Login bug!" })).workspace.branch).toBe("fix-the-login-bug");
    expect((await create({ branch: "  my new branch " })).workspace.branch).toBe("my-new-branch");
  });

  test("the same (project, branch) again answers the live workspace with alreadyExists: true", async () => {
    const { create, state } = await fixture();
    const first = await create({ workspaceId: "w-a", branch: "dup" });
    const second = await create({ workspaceId: "w-b", branch: "dup" });
    expect(second.alreadyExists).toBe(true);
    expect(second.workspace.id).toBe("w-a");
    expect(state.workspace("w-b")).toBeUndefined();
    expect(second.workspace).toEqual(first.workspace);
  });

  test("the default branch is the main workspace", async () => {
    const { create, mainWorkspace } = await fixture();
    const result = await create({ branch: "main" });
    expect(result).toMatchObject({ alreadyExists: true, workspace: { id: mainWorkspace.id, type: "main" } });
  });

  test("the same workspaceId again answers the first result and starts nothing", async () => {
    const { create, terminals } = await fixture();
    const params = { workspaceId: "w-same", branch: "again", command: "true" };
    const first = await create(params);
    const startedBefore = terminals.list().length;
    const second = await create(params);
    expect(second).toEqual(first);
    expect(second.alreadyExists).toBe(false);
    expect(terminals.list().length).toBe(startedBefore);
  });

  test("a worktree made by hand for the branch is adopted", async () => {
    const { create, project, state } = await fixture();
    const handMade = join(tempDir(), "by-hand");
    gitSync(project.repoPath, ["worktree", "add", "--quiet", "-b", "manual", handMade]);
    const result = await create({ workspaceId: "w-adopt", branch: "manual" });
    expect(result).toMatchObject({ alreadyExists: true, workspace: { id: "w-adopt", worktreePath: handMade, worktreeExists: true, type: "worktree" } });
    expect(state.workspace("w-adopt")?.worktreePath).toBe(handMade);
    expect(await create({ workspaceId: "w-adopt", branch: "manual" })).toEqual(result);
  });

  test("a tag is refused as a branch", async () => {
    const { create } = await fixture();
    const error = await refusal(create({ branch: "v1.0" }));
    expect(error.code).toBe("invalid");
    expect(error.message).toContain("is a tag, not a branch");
  });

  test("hostile branch names are refused and run nothing", async () => {
    const { create, project, dataDir, state } = await fixture();
    const marker = join(tempDir(), "pwned");
    const branchesBefore = gitSync(project.repoPath, ["branch", "--list"]);
    for (const branch of ["../../etc", `--upload-pack=touch ${marker}`, `a;touch ${marker}`, "$(id)", `$(touch ${marker})`, "`id`", "a..b", "@{-1}", "x.lock", "-", " "]) {
      const error = await refusal(create({ branch }));
      expect(error.code).toBe("invalid");
      expect(error.message).toMatch(/^The branch name .*; use letters, digits and \. _ - \/ such as feature\/login\.$/);
    }
    expect((await refusal(create({ branch: "ok", baseBranch: "--orphan" }))).code).toBe("invalid");
    expect(existsSync(marker)).toBe(false);
    expect(gitSync(project.repoPath, ["branch", "--list"])).toBe(branchesBefore);
    expect(existsSync(join(dataDir, "worktrees", "p1")) ? readdirSync(join(dataDir, "worktrees", "p1")) : []).toEqual([]);
    expect(state.workspaces().map((w) => w.type)).toEqual(["main"]);
  });

  test("a worktree path that would leave the data dir through a symlink is refused", async () => {
    const { create, dataDir } = await fixture();
    const outside = tempDir();
    mkdirSync(join(dataDir, "worktrees"), { recursive: true });
    symlinkSync(outside, join(dataDir, "worktrees", "p1"));
    const error = await refusal(create({ branch: "escape" }));
    expect(error.code).toBe("invalid");
    expect(error.message).toContain("give a path inside that folder");
    expect(readdirSync(outside)).toEqual([]);
  });

  test("an unknown project is not found, and branch with pr is refused", async () => {
    const { create } = await fixture();
    expect((await refusal(create({ projectId: "nope" }))).code).toBe("not_found");
    expect((await refusal(create({ branch: "b", pr: 3 }))).message).toBe("Give branch or pr, not both.");
  });
});

describe("pull requests", () => {
  test("without gh on the host, pr fails with a sentence saying to install the GitHub CLI", async () => {
    const { create } = await fixture();
    const error = await withPath({}, () => refusal(create({ pr: 12 })));
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain("install the GitHub CLI (gh) on host");
  });

  test("with gh, the pull request's head branch becomes the workspace's branch", async () => {
    const { create } = await fixture();
    const gh = `#!/bin/sh\n[ "$1 $2 $3 $4 $5" = "pr view 7 --json headRefName" ] || exit 9\necho '{"headRefName":"feature/existing"}'\n`;
    const { workspace } = await withPath({ gh }, () => create({ pr: 7 }));
    expect(workspace.branch).toBe("feature/existing");
    expect(gitSync(workspace.worktreePath, ["rev-parse", "--abbrev-ref", "@{upstream}"])).toBe("origin/feature/existing");
  });
});

describe("session workspaces", () => {
  test("without a project: a fresh repository on main with one commit under sessions/", async () => {
    const { create, dataDir } = await fixture();
    const { workspace } = await create({ workspaceId: "s1", projectId: undefined, name: "Scratch" });
    expect(workspace).toMatchObject({ id: "s1", projectId: null, type: "session", branch: "main", worktreePath: join(dataDir, "sessions", "s1"), worktreeExists: true });
    expect(gitSync(workspace.worktreePath, ["rev-parse", "--abbrev-ref", "HEAD"])).toBe("main");
    expect(gitSync(workspace.worktreePath, ["rev-list", "--count", "HEAD"])).toBe("1");
  });

  test("branch, pr, baseBranch and taskId need a project", async () => {
    const { create, state } = await fixture();
    const error = await refusal(create({ projectId: undefined, branch: "x", taskId: "t" }));
    expect(error).toMatchObject({ code: "invalid", message: "branch, taskId need a projectId; pass projectId, or leave them out for a session workspace." });
    expect(state.workspaces()).toHaveLength(1);
  });
});
