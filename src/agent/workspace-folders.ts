/**
 * The folder of a new workspace: a git worktree of a project, or a fresh session repository.
 * Each workspace is saved in state before its folder is made, so a create killed midway is
 * finished (not duplicated) when the same workspace id comes again.
 */
import { existsSync, mkdirSync, realpathSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { CommandParams, HostProject, HostWorkspace } from "../hosts/protocol.ts";
import { branchFromName, checkedBranchName, fetchPullRequestHead, pullRequestBranch, refuseTag, worktreeBranchPlan } from "./branches.ts";
import { addWorktree, commitInitial, currentBranch, hasCommits, initRepository, listWorktrees, removeWorktree, runGit } from "./git.ts";
import { resolveInside, sessionPath, worktreePath } from "./paths.ts";
import type { AgentState, StoredWorkspace } from "./state.ts";
import { CommandError } from "./types.ts";

type CreateParams = CommandParams<"workspace.create">;

/** A folder made (or adopted) for this create, or a workspace that already held the branch. */
export type PreparedWorkspace = { record: StoredWorkspace; alreadyExists: boolean } | { existing: HostWorkspace };

function samePath(a: string, b: string): boolean {
  const real = (path: string) => (existsSync(path) ? realpathSync(path) : resolve(path));
  return real(a) === real(b);
}

function newRecord(params: CreateParams, fields: Pick<StoredWorkspace, "projectId" | "branch" | "type" | "worktreePath">): StoredWorkspace {
  const now = new Date().toISOString();
  return { id: params.workspaceId, name: params.name, taskId: params.taskId ?? null, createdByUserId: params.createdByUserId, createdAt: now, updatedAt: now, ...fields };
}

/** A session folder: a git repository on `main` with one empty commit (remade when a killed run left it half done). */
export async function ensureSessionFolder(path: string): Promise<void> {
  // Checking for .git first keeps git from answering for a repository the data dir happens to sit in.
  if (existsSync(join(path, ".git")) && (await hasCommits(path))) return;
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  await initRepository(path, "main");
  await commitInitial(path);
}

/** The worktree of `branch` at `path` (inside the data dir), added unless git already has it there. */
export async function ensureWorktreeFolder(repoPath: string, path: string, branch: string, base: string): Promise<void> {
  const known = await listWorktrees(repoPath);
  if (existsSync(path) && known.some((entry) => entry.branch === branch && samePath(entry.path, path))) return;
  // Whatever is at this path was left by a killed create of this same workspace.
  rmSync(path, { recursive: true, force: true });
  await runGit(["worktree", "prune"], repoPath);
  mkdirSync(dirname(path), { recursive: true });
  await addWorktree(repoPath, path, branch, await worktreeBranchPlan(repoPath, branch, base));
}

async function prepareSession(state: AgentState, dataDir: string, params: CreateParams): Promise<PreparedWorkspace> {
  const projectOnly = (["branch", "pr", "baseBranch", "taskId"] as const).filter((key) => params[key] !== undefined);
  if (projectOnly.length > 0) {
    throw new CommandError("invalid", `${projectOnly.join(", ")} need a projectId; pass projectId, or leave them out for a session workspace.`);
  }
  const record = newRecord(params, { projectId: null, branch: "main", type: "session", worktreePath: sessionPath(dataDir, params.workspaceId) });
  await state.saveWorkspace(record);
  await ensureSessionFolder(record.worktreePath);
  return { record, alreadyExists: false };
}

function projectOf(state: AgentState, projectId: string): HostProject {
  const project = state.project(projectId);
  if (!project) throw new CommandError("not_found", `No project ${projectId} on this host; create it with projects_create first.`);
  if (!existsSync(project.repoPath)) throw new CommandError("not_found", `The folder ${project.repoPath} of project ${project.name} is gone; create the project again.`);
  return project;
}

/** The main workspace follows whatever branch its folder has checked out now. */
async function refreshMainBranch(state: AgentState, project: HostProject): Promise<void> {
  const main = state.workspaces(project.id).find((workspace) => workspace.type === "main");
  const branch = await currentBranch(project.repoPath);
  if (main && branch && branch !== main.branch) await state.saveWorkspace({ ...main, branch, updatedAt: new Date().toISOString() });
}

async function baseBranchOf(project: HostProject, params: CreateParams): Promise<string> {
  return params.baseBranch === undefined ? project.defaultBranch : checkedBranchName(params.baseBranch, project.repoPath, "base branch");
}

async function prepareWorktree(state: AgentState, dataDir: string, params: CreateParams, projectId: string): Promise<PreparedWorkspace> {
  const project = projectOf(state, projectId);
  const repo = project.repoPath;
  if (params.branch !== undefined && params.pr !== undefined) throw new CommandError("invalid", "Give branch or pr, not both.");
  let branch: string;
  if (params.pr !== undefined) {
    branch = await checkedBranchName(await pullRequestBranch(repo, params.pr), repo);
    await fetchPullRequestHead(repo, params.pr, branch);
  } else {
    branch = await checkedBranchName(params.branch ?? branchFromName(params.name), repo);
  }
  const base = await baseBranchOf(project, params);

  await refreshMainBranch(state, project);
  const known = state.workspaceOnBranch(project.id, branch);
  if (known?.worktreeExists || known?.type === "main") return { existing: known };
  if (known) {
    // Its folder was deleted by hand: forget it and make the branch's workspace again.
    await removeWorktree(repo, known.worktreePath);
    await state.removeWorkspace(known.id);
  }
  await refuseTag(repo, branch);

  const checkedOut = (await listWorktrees(repo)).find((entry) => entry.branch === branch);
  if (checkedOut && !samePath(checkedOut.path, repo)) {
    // A worktree made by hand (or by another tool) for this branch: adopt it rather than fail.
    const record = newRecord(params, { projectId: project.id, branch, type: "worktree", worktreePath: checkedOut.path });
    await state.saveWorkspace({ ...record, setupDone: true });
    return { record, alreadyExists: true };
  }
  const record = newRecord(params, { projectId: project.id, branch, type: "worktree", worktreePath: worktreePath(dataDir, project.id, branch) });
  await state.saveWorkspace(record);
  try {
    await ensureWorktreeFolder(repo, record.worktreePath, branch, base);
  } catch (error) {
    await state.removeWorkspace(record.id);
    throw error;
  }
  return { record, alreadyExists: false };
}

/** Makes the folder of a new workspace (or finds the workspace that already has its branch). */
export function prepareWorkspace(state: AgentState, dataDir: string, params: CreateParams): Promise<PreparedWorkspace> {
  return params.projectId === undefined ? prepareSession(state, dataDir, params) : prepareWorktree(state, dataDir, params, params.projectId);
}

/** Finishes the folder of a workspace a killed create saved but may not have made. */
export async function resumeWorkspace(state: AgentState, dataDir: string, stored: StoredWorkspace, params: CreateParams): Promise<void> {
  if (stored.type === "session") return ensureSessionFolder(stored.worktreePath);
  if (stored.type !== "worktree" || stored.projectId === null || existsSync(stored.worktreePath)) return;
  const project = projectOf(state, stored.projectId);
  // Only a folder of our own layout is remade; an adopted worktree elsewhere is the user's.
  resolveInside(join(dataDir, "worktrees"), stored.worktreePath);
  await ensureWorktreeFolder(project.repoPath, stored.worktreePath, stored.branch, await baseBranchOf(project, params));
}
