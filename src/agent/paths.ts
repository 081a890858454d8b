/**
 * The layout of the agent's data dir, and the one check every path built from a caller's input
 * goes through: `resolveInside`, which follows symlinks so a link planted inside the root cannot
 * lead a path out of it.
 */
import { lstatSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { CommandError } from "./types.ts";

/** Where cloned projects go when the caller gives no parentDir. */
export function projectsDir(dataDir: string): string {
  return join(dataDir, "projects");
}

/** The folder of all worktrees of one project. */
export function projectWorktreesDir(dataDir: string, projectId: string): string {
  return resolveInside(join(dataDir, "worktrees"), singleSegment(projectId, "project id"));
}

/** `<dataDir>/worktrees/<projectId>/<branch>`; a branch with slashes nests folders, never leaves the project's folder. */
export function worktreePath(dataDir: string, projectId: string, branch: string): string {
  return resolveInside(projectWorktreesDir(dataDir, projectId), branch);
}

/** `<dataDir>/sessions/<workspaceId>`. */
export function sessionPath(dataDir: string, workspaceId: string): string {
  return resolveInside(join(dataDir, "sessions"), singleSegment(workspaceId, "workspace id"));
}

/** Refuses a value that is not one plain folder name (no separators, not `.` or `..`). */
function singleSegment(value: string, what: string): string {
  if (value === "" || value === "." || value === ".." || value.includes("/") || value.includes("\\") || value.includes("\0")) {
    throw new CommandError("invalid", `The ${what} "${value}" cannot be used as a folder name; use an id without slashes or dots.`);
  }
  return value;
}

/** The real path of `path`: its longest existing ancestor resolved through symlinks, the rest appended. */
function realpathOfPossiblyMissing(path: string): string {
  const missing: string[] = [];
  let current = path;
  while (!lexists(current)) {
    const parent = dirname(current);
    if (parent === current) break;
    missing.unshift(basename(current));
    current = parent;
  }
  let real: string;
  try {
    real = realpathSync(current);
  } catch {
    // A dangling symlink: where it leads cannot be checked, and creating through it would follow it.
    throw new CommandError("invalid", `The path ${current} is a broken symbolic link; remove it or choose another path.`);
  }
  return missing.length === 0 ? real : join(real, ...missing);
}

/** Whether a name exists, a dangling symlink included (existsSync follows links). */
function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Resolves `candidate` (relative to `root`, or absolute) and returns the absolute path, or throws
 * CommandError("invalid") when it lies outside `root`, lexically or through a symlink.
 */
export function resolveInside(root: string, candidate: string): string {
  if (candidate.includes("\0")) throw new CommandError("invalid", "The path contains a NUL character; give a plain path.");
  const absoluteRoot = resolve(root);
  const lexical = resolve(absoluteRoot, candidate);
  const realRoot = realpathOfPossiblyMissing(absoluteRoot);
  // An absolute candidate may name the root by its real path or by the (symlinked) path given.
  const isLexicallyInside = isWithin(absoluteRoot, lexical) || isWithin(realRoot, lexical);
  if (!isLexicallyInside || !isWithin(realRoot, realpathOfPossiblyMissing(lexical))) {
    throw new CommandError("invalid", `The path "${candidate}" is outside ${absoluteRoot}; give a path inside that folder.`);
  }
  return lexical;
}
