/** project.create against real git repositories: clones, imports, idempotency, and refusals that must leave nothing behind. */
import { refusal } from "./workspace-fixtures.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectCommands } from "../../src/agent/commands/projects.ts";
import { createAgentState } from "../../src/agent/state.ts";
import { CommandError } from "../../src/agent/types.ts";
import { gitSync, makeLocalRepo, makeRemote, removeTempDirs, tempDir } from "../helpers/git-repos.ts";

afterAll(removeTempDirs);

function setup() {
  const dataDir = tempDir("superset-data-");
  const state = createAgentState(dataDir);
  const reports: Array<{ progress: number; total?: number; message?: string }> = [];
  const create = projectCommands({ dataDir, state })["project.create"];
  return {
    dataDir,
    state,
    reports,
    create: (params: Parameters<typeof create>[0]) => create(params, (progress, total, message) => reports.push({ progress, total, message })),
  };
}

describe("project.create from a git URL", () => {
  test("clones into <dataDir>/projects/<name from the URL> with the remote's default branch and a main workspace", async () => {
    const remote = makeRemote();
    const { dataDir, state, create, reports } = setup();
    const { project, mainWorkspace, created } = await create({ projectId: "p1", gitUrl: remote.url });
    expect(created).toBe(true);
    expect(project).toMatchObject({ id: "p1", name: "widget", repoPath: join(dataDir, "projects", "widget"), repoUrl: remote.url, defaultBranch: "main" });
    expect(gitSync(project.repoPath, ["rev-parse", "HEAD"])).toBe(remote.revParse("main"));
    expect(mainWorkspace).toMatchObject({ projectId: "p1", type: "main", branch: "main", worktreePath: project.repoPath, worktreeExists: true });
    expect(state.project("p1")).toEqual(project);
    expect(state.workspace(mainWorkspace.id)?.type).toBe("main");
    expect(state.cloneInProgress("p1")).toBeUndefined();
    // Progress runs from 0 to 100 and never goes back.
    expect(reports[0]?.progress).toBe(0);
    expect(reports.some((report) => /Receiving objects/.test(report.message ?? ""))).toBe(true);
    expect(reports.at(-1)).toMatchObject({ progress: 100, total: 100 });
    const values = reports.map((report) => report.progress);
    expect(values.every((value, i) => i === 0 || value > (values[i - 1] ?? 0))).toBe(true);
  });

  test("a remote whose default branch is trunk gives a project on trunk", async () => {
    const remote = makeRemote({ defaultBranch: "trunk", name: "svc.git" });
    const { create } = setup();
    const { project, mainWorkspace } = await create({ projectId: "p1", gitUrl: remote.url, name: "Service API" });
    expect(project.defaultBranch).toBe("trunk");
    expect(project.name).toBe("Service-API");
    expect(mainWorkspace.branch).toBe("trunk");
  });

  test("clone progress lines from git become progress reports", async () => {
    const { cloneProgressParser } = await import("../../src/agent/git.ts");
    const seen: number[] = [];
    const parse = cloneProgressParser((progress) => seen.push(progress));
    parse("Cloning into 'x'...\nremote: Counting objects: 100% (5/5), done.\rReceiving objects:  50% (1/2)\rReceiving obj");
    parse("ects: 100% (2/2), done.\nResolving deltas: 100% (1/1), done.\n");
    expect(seen).toEqual([10, 45, 80, 95]);
    parse("Updating files: 100% (3/3), done.\n");
    expect(seen.at(-1)).toBe(99);
  });

  test("a failed clone leaves no folder, no project and no clone marker", async () => {
    const { dataDir, state, create } = setup();
    const error = await refusal(create({ projectId: "p1", gitUrl: `file://${join(tempDir(), "missing.git")}` }));
    expect(error.code).toBe("failed");
    expect(error.message).toMatch(/^Could not clone .*; check the URL and this host's git credentials\.$/);
    expect(readdirSync(join(dataDir, "projects"))).toEqual([]);
    expect(state.projects()).toEqual([]);
    expect(state.workspaces()).toEqual([]);
    expect(state.cloneInProgress("p1")).toBeUndefined();
  });

  test("option-like URLs and transport helpers are refused before git runs, and create nothing", async () => {
    const marker = join(tempDir(), "pwned");
    const { dataDir, state, create } = setup();
    for (const gitUrl of [
      `--upload-pack=touch ${marker}`,
      `-u touch ${marker}`,
      `ext::sh -c touch% ${marker}`,
      `EXT::sh -c touch ${marker}`,
      "fd::17",
      `ssh://-oProxyCommand=touch%20${marker}/x`,
      "ftp://example.com/x.git",
      "relative/path",
    ]) {
      const error = await refusal(create({ projectId: "p1", gitUrl }));
      expect(error.code).toBe("invalid");
      expect(error.message).toContain("give an https://, ssh://, git@host:path or absolute file URL");
    }
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dataDir, "projects")) ? readdirSync(join(dataDir, "projects")) : []).toEqual([]);
    expect(state.projects()).toEqual([]);
  });

  test("parentDir must be an absolute existing folder, and the clone lands there", async () => {
    const remote = makeRemote();
    const { create } = setup();
    expect((await refusal(create({ projectId: "p1", gitUrl: remote.url, parentDir: "relative/dir" }))).code).toBe("invalid");
    expect((await refusal(create({ projectId: "p1", gitUrl: remote.url, parentDir: join(tempDir(), "nope") }))).code).toBe("not_found");
    const parent = tempDir();
    const { project } = await create({ projectId: "p1", gitUrl: remote.url, parentDir: parent, name: "../escape" });
    expect(project.repoPath).toBe(join(parent, "escape"));
  });

  test("cloning the same URL to the same folder under another projectId answers the existing project; another URL there is a conflict", async () => {
    const remote = makeRemote();
    const { create, state } = setup();
    const first = await create({ projectId: "p1", gitUrl: remote.url });
    expect(await create({ projectId: "p2", gitUrl: remote.url })).toEqual({ ...first, created: false });
    const other = makeRemote();
    expect((await refusal(create({ projectId: "p3", gitUrl: other.url }))).code).toBe("conflict");
    expect(state.projects()).toHaveLength(1);
  });

  test("an existing folder at the target is refused as a conflict and left alone", async () => {
    const remote = makeRemote();
    const { dataDir, create } = setup();
    mkdirSync(join(dataDir, "projects", "widget"), { recursive: true });
    writeFileSync(join(dataDir, "projects", "widget", "mine.txt"), "keep me");
    const error = await refusal(create({ projectId: "p1", gitUrl: remote.url }));
    expect(error.code).toBe("conflict");
    expect(existsSync(join(dataDir, "projects", "widget", "mine.txt"))).toBe(true);
  });

  test("the same projectId again answers the same project without cloning again", async () => {
    const remote = makeRemote();
    const { create, state } = setup();
    const first = await create({ projectId: "p1", gitUrl: remote.url });
    const again = await create({ projectId: "p1", gitUrl: remote.url });
    expect(again).toEqual(first);
    expect(state.projects()).toHaveLength(1);
  });

  test("a clone killed midway by a previous run of the same projectId is removed and cloned again", async () => {
    const remote = makeRemote();
    const { dataDir, state, create } = setup();
    const target = join(dataDir, "projects", "widget");
    await state.setCloneInProgress("p1", target);
    mkdirSync(join(target, ".git"), { recursive: true });
    writeFileSync(join(target, "half-written"), "");
    const { project } = await create({ projectId: "p1", gitUrl: remote.url });
    expect(project.repoPath).toBe(target);
    expect(existsSync(join(target, "half-written"))).toBe(false);
    expect(existsSync(join(target, "README.md"))).toBe(true);
    expect(state.cloneInProgress("p1")).toBeUndefined();
  });

  test("exactly one of gitUrl and localPath is required", async () => {
    const { create } = setup();
    expect((await refusal(create({ projectId: "p1" }))).message).toBe("Give exactly one of gitUrl (to clone) and localPath (to import an existing folder).");
    expect((await refusal(create({ projectId: "p1", gitUrl: "https://example.com/a.git", localPath: "/tmp" }))).code).toBe("invalid");
  });
});

describe("project.create from a local path", () => {
  test("imports the git root of a folder inside the repository, and importing it again answers created: false", async () => {
    const repo = makeLocalRepo();
    const { create, state } = setup();
    const first = await create({ projectId: "p1", localPath: join(repo, "src") });
    expect(first.created).toBe(true);
    expect(first.project).toMatchObject({ repoPath: repo, repoUrl: null, defaultBranch: "main" });
    expect(first.mainWorkspace).toMatchObject({ type: "main", branch: "main", worktreePath: repo });
    const second = await create({ projectId: "p2", localPath: repo });
    expect(second).toEqual({ ...first, created: false });
    expect(state.projects()).toHaveLength(1);
  });

  test("a folder that is not a repository is refused with a hint, and initIfNeeded makes it one with an empty first commit", async () => {
    const folder = tempDir("superset-plain-");
    writeFileSync(join(folder, "notes.txt"), "hello");
    const { create } = setup();
    const error = await refusal(create({ projectId: "p1", localPath: folder }));
    expect(error.code).toBe("invalid");
    expect(error.message).toContain("pass initIfNeeded: true");
    expect(existsSync(join(folder, ".git"))).toBe(false);

    const { project, mainWorkspace } = await create({ projectId: "p1", localPath: folder, initIfNeeded: true, name: "Notes" });
    expect(project).toMatchObject({ name: "Notes", repoPath: folder });
    expect(gitSync(folder, ["rev-list", "--count", "HEAD"])).toBe("1");
    // The user's files are left for the user to commit.
    expect(gitSync(folder, ["status", "--porcelain"])).toBe("?? notes.txt");
    expect(mainWorkspace.branch).toBe(project.defaultBranch);
  });

  test("relative and missing paths are refused", async () => {
    const { create } = setup();
    expect((await refusal(create({ projectId: "p1", localPath: "some/folder" }))).code).toBe("invalid");
    expect((await refusal(create({ projectId: "p1", localPath: join(tempDir(), "missing") }))).code).toBe("not_found");
  });

  test("an imported project keeps origin's URL as repoUrl", async () => {
    const remote = makeRemote();
    const clone = join(tempDir(), "clone");
    gitSync(tempDir(), ["clone", "--quiet", remote.url, clone]);
    const { create } = setup();
    const { project } = await create({ projectId: "p1", localPath: clone });
    expect(project.repoUrl).toBe(remote.url);
    expect(project.name).toBe("clone");
  });
});
