/**
 * project.create: clone a Git URL into the projects folder, or import the repository of a local
 * folder; either way the project gets one `main` workspace on its own folder.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, realpathSync, rmSync, statSync } from "node:fs";
import { basename, isAbsolute, join } from "node:path";
import type { CommandName, CommandParams, CommandResult, HostProject, HostWorkspace } from "../../hosts/protocol.ts";
import { cloneRepository, commitInitial, currentBranch, defaultBranch, hasCommits, initRepository, repositoryRoot, runGit } from "../git.ts";
import { projectsDir } from "../paths.ts";
import type { AgentState } from "../state.ts";
import { CommandError, throwIfAborted, type CommandHandler, type ProgressReporter } from "../types.ts";
import { checkGitUrl, projectNameFromUrl, sanitizeFolderName } from "../git-url.ts";

/** What the project handlers need. */
export interface ProjectDeps {
  dataDir: string;
  state: AgentState;
}

type CreateParams = CommandParams<"project.create">;
type CreateResult = CommandResult<"project.create">;

/** A fixed UUID for the main workspace of `projectId`, so a re-run names the same workspace. */
export function mainWorkspaceId(projectId: string): string {
  const hex = createHash("sha1").update(`superset-main-workspace:${projectId}`).digest("hex");
  // RFC 4122 version 5 layout: version nibble 5, variant bits 10.
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function answerFor(state: AgentState, project: HostProject, created: boolean): CreateResult {
  const mainWorkspace = state.workspaces(project.id).find((workspace) => workspace.type === "main");
  if (!mainWorkspace) throw new CommandError("failed", `The project ${project.name} has no main workspace in this host's state; create the project again with a new id.`);
  return { project, mainWorkspace, created };
}

/** Saves a new project and its main workspace together (one write holds both). */
async function saveNewProject(state: AgentState, projectId: string, name: string, repoPath: string, repoUrl: string | null, signal?: AbortSignal): Promise<CreateResult> {
  const now = new Date().toISOString();
  const project: HostProject = { id: projectId, name, repoPath, repoUrl, defaultBranch: await defaultBranch(repoPath), createdAt: now, updatedAt: now };
  const mainWorkspace: HostWorkspace = {
    id: mainWorkspaceId(projectId),
    projectId,
    name,
    branch: (await currentBranch(repoPath)) ?? project.defaultBranch,
    type: "main",
    worktreePath: repoPath,
    worktreeExists: true,
    taskId: null,
    createdByUserId: null,
    createdAt: now,
    updatedAt: now,
  };
  // The last point to stop: past it the project exists, and the inventory would bring it to the server.
  throwIfAborted(signal);
  const saved = Promise.all([state.saveWorkspace(mainWorkspace), state.saveProject(project)]);
  await saved;
  return { project, mainWorkspace, created: true };
}

function parentFolder(dataDir: string, parentDir: string | undefined): string {
  if (parentDir === undefined) {
    const folder = projectsDir(dataDir);
    mkdirSync(folder, { recursive: true });
    return folder;
  }
  if (!isAbsolute(parentDir)) throw new CommandError("invalid", `parentDir "${parentDir}" is not an absolute path; give a full path such as /home/me/code.`);
  if (!existsSync(parentDir) || !statSync(parentDir).isDirectory()) {
    throw new CommandError("not_found", `parentDir ${parentDir} is not an existing folder on this host; create it first or leave parentDir out.`);
  }
  return realpathSync(parentDir);
}

async function cloneProject(deps: ProjectDeps, params: CreateParams, gitUrl: string, progress: ProgressReporter, signal?: AbortSignal): Promise<CreateResult> {
  const { state } = deps;
  checkGitUrl(gitUrl);
  const name = sanitizeFolderName(params.name?.trim() || projectNameFromUrl(gitUrl));
  const target = join(parentFolder(deps.dataDir, params.parentDir), name);

  const known = state.projectByPath(target);
  if (known && known.repoUrl === gitUrl) return answerFor(state, known, false);
  if (known) throw new CommandError("conflict", `The folder ${target} already holds project ${known.name} cloned from ${known.repoUrl ?? "a local folder"}; choose another name or parentDir.`);
  // A clone of this very command that was killed midway left its folder behind: start over.
  if (state.cloneInProgress(params.projectId) === target && existsSync(target)) rmSync(target, { recursive: true, force: true });
  if (existsSync(target)) throw new CommandError("conflict", `The folder ${target} already exists; choose another name or parentDir, or import it with localPath.`);

  await state.setCloneInProgress(params.projectId, target);
  try {
    await cloneRepository(gitUrl, target, progress, signal);
    return await saveNewProject(state, params.projectId, name, target, gitUrl, signal);
  } catch (error) {
    // A failed or aborted clone leaves no folder and no project (docs/hosts-and-automations.md#projects).
    rmSync(target, { recursive: true, force: true });
    throw error;
  } finally {
    await state.setCloneInProgress(params.projectId, null);
  }
}

async function importProject(deps: ProjectDeps, params: CreateParams, localPath: string): Promise<CreateResult> {
  const { state } = deps;
  if (!isAbsolute(localPath)) throw new CommandError("invalid", `localPath "${localPath}" is not an absolute path; give the full path of the folder.`);
  if (!existsSync(localPath) || !statSync(localPath).isDirectory()) {
    throw new CommandError("not_found", `The folder ${localPath} does not exist on this host; check the path.`);
  }
  const folder = realpathSync(localPath);
  let root = await repositoryRoot(folder);
  if (root === undefined) {
    if (!params.initIfNeeded) throw new CommandError("invalid", `${folder} is not a git repository; pass initIfNeeded: true to run git init there.`);
    await initRepository(folder);
    root = folder;
  }
  root = realpathSync(root);
  const known = state.projectByPath(root);
  if (known) return answerFor(state, known, false);
  // Worktrees need a commit to start from; the initial commit is empty so no file is committed behind the user's back.
  if (params.initIfNeeded && !(await hasCommits(root))) await commitInitial(root);
  const origin = await runGit(["remote", "get-url", "origin"], root);
  const repoUrl = origin.code === 0 ? origin.stdout.trim() || null : null;
  return saveNewProject(state, params.projectId, params.name?.trim() || basename(root), root, repoUrl);
}

/** The project.create handler. */
export function projectCommands(deps: ProjectDeps): { [N in Extract<CommandName, "project.create">]: CommandHandler<CommandParams<N>, CommandResult<N>> } {
  return {
    async "project.create"(params, progress, signal) {
      const hasUrl = params.gitUrl !== undefined && params.gitUrl.trim() !== "";
      const hasPath = params.localPath !== undefined && params.localPath.trim() !== "";
      if (hasUrl === hasPath) throw new CommandError("invalid", "Give exactly one of gitUrl (to clone) and localPath (to import an existing folder).");
      // Idempotent by id: the same command run again answers what it answered the first time.
      const existing = deps.state.project(params.projectId);
      if (existing) return answerFor(deps.state, existing, true);
      return hasUrl ? cloneProject(deps, params, params.gitUrl!.trim(), progress, signal) : importProject(deps, params, params.localPath!.trim());
    },
  };
}
