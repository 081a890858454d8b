/** resolveInside and the data-dir layout: paths built from a caller's input never leave their root, symlinks included. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { projectWorktreesDir, resolveInside, sessionPath, worktreePath } from "../../src/agent/paths.ts";
import { CommandError } from "../../src/agent/types.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";

afterAll(removeTempDirs);

function refusal(run: () => unknown): CommandError {
  try {
    run();
  } catch (error) {
    if (error instanceof CommandError) return error;
    throw error;
  }
  throw new Error("expected a CommandError");
}

describe("resolveInside", () => {
  test("relative and absolute paths inside the root resolve to absolute paths", () => {
    const root = tempDir();
    expect(resolveInside(root, "a/b")).toBe(join(root, "a/b"));
    expect(resolveInside(root, join(root, "a"))).toBe(join(root, "a"));
    expect(resolveInside(root, "a/../b")).toBe(join(root, "b"));
    expect(resolveInside(root, ".")).toBe(root);
  });

  test("paths that climb out or point elsewhere are refused as invalid with one sentence", () => {
    const root = tempDir();
    for (const candidate of ["..", "../x", "a/../../x", "/etc", "/etc/passwd", `${root}-sibling/x`]) {
      const error = refusal(() => resolveInside(root, candidate));
      expect(error.code).toBe("invalid");
      expect(error.message).toMatch(/is outside .*; give a path inside that folder\.$/);
    }
  });

  test("a symlink inside the root that leads out is refused, also for paths below it that do not exist yet", () => {
    const root = tempDir();
    const outside = tempDir();
    symlinkSync(outside, join(root, "link"));
    expect(refusal(() => resolveInside(root, "link")).code).toBe("invalid");
    expect(refusal(() => resolveInside(root, "link/new/deeper")).code).toBe("invalid");
  });

  test("a symlink that stays inside the root is allowed, and a root reached through a symlink works", () => {
    const real = tempDir();
    mkdirSync(join(real, "inner"));
    symlinkSync(join(real, "inner"), join(real, "alias"));
    expect(resolveInside(real, "alias/file")).toBe(join(real, "alias/file"));
    const linkedRoot = join(tempDir(), "root-link");
    symlinkSync(real, linkedRoot);
    expect(resolveInside(linkedRoot, "inner/x")).toBe(join(linkedRoot, "inner/x"));
    expect(resolveInside(linkedRoot, join(real, "inner"))).toBe(join(real, "inner"));
  });

  test("a broken symlink is refused, since where it leads cannot be checked", () => {
    const root = tempDir();
    symlinkSync("/nonexistent/target", join(root, "dangling"));
    expect(refusal(() => resolveInside(root, "dangling/x")).message).toMatch(/broken symbolic link/);
  });

  test("a NUL character is refused", () => {
    expect(refusal(() => resolveInside(tempDir(), "a\0b")).code).toBe("invalid");
  });
});

describe("data-dir layout", () => {
  test("worktrees nest by branch under worktrees/<projectId>, sessions under sessions/<id>", () => {
    const dataDir = tempDir();
    expect(worktreePath(dataDir, "p1", "feature/login")).toBe(join(dataDir, "worktrees", "p1", "feature", "login"));
    expect(projectWorktreesDir(dataDir, "p1")).toBe(join(dataDir, "worktrees", "p1"));
    expect(sessionPath(dataDir, "w1")).toBe(join(dataDir, "sessions", "w1"));
  });

  test("ids and branches that would leave their folder are refused", () => {
    const dataDir = tempDir();
    expect(refusal(() => worktreePath(dataDir, "../p", "x")).code).toBe("invalid");
    expect(refusal(() => worktreePath(dataDir, "p1", "../p2/x")).code).toBe("invalid");
    expect(refusal(() => worktreePath(dataDir, "p1", "../../../etc")).code).toBe("invalid");
    expect(refusal(() => sessionPath(dataDir, "..")).code).toBe("invalid");
    expect(refusal(() => sessionPath(dataDir, "a/b")).code).toBe("invalid");
  });
});
