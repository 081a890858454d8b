/**
 * workspace.create / update / delete. Create makes the folder (worktree or session), runs the
 * project's setup in a terminal, then launches the requested agents and command, each in its own
 * terminal; a failed setup or agent launch is reported, never fatal, because the workspace exists.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { CommandName, CommandParams, CommandResult, HostWorkspace } from "../../hosts/protocol.ts";
import { removeWorktree, lastGitMessage } from "../git.ts";
import { resolveInside } from "../paths.ts";
import type { AgentState, StoredWorkspace } from "../state.ts";
import { log } from "../../log.ts";
import { CommandError, throwIfAborted, type CommandHandler, type ProgressReporter, type TerminalManager } from "../types.ts";
import { prepareWorkspace, resumeWorkspace } from "../workspace-folders.ts";
import { runWorkspaceScript } from "../workspace-scripts.ts";
import { launchAgent } from "./agents.ts";

/** What the workspace handlers need. */
export interface WorkspaceDeps {
  dataDir: string;
  state: AgentState;
  terminals: TerminalManager;
}

type WorkspaceCommand = Extract<CommandName, "workspace.create" | "workspace.update" | "workspace.delete">;
type CreateParams = CommandParams<"workspace.create">;
type CreateResult = CommandResult<"workspace.create">;
type Launches = NonNullable<StoredWorkspace["createResult"]>;

/** MCP progress must rise with every notification, so reports are numbered in order; their messages carry the detail. */
export function stepReporter(progress: ProgressReporter): ProgressReporter {
  let step = 0;
  return (_progress, _total, message) => progress(++step, undefined, message);
}

function storedOrNotFound(state: AgentState, id: string): StoredWorkspace {
  const stored = state.storedWorkspace(id);
  if (!stored) throw new CommandError("not_found", `No workspace ${id} on this host; list the host's workspaces to find its id.`);
  return stored;
}

function projectPathOf(state: AgentState, workspace: HostWorkspace): string | undefined {
  return workspace.projectId === null ? undefined : state.project(workspace.projectId)?.repoPath;
}

/** Setup (unless a previous run finished it), then agents, then the command. */
async function launchInto(deps: WorkspaceDeps, workspace: HostWorkspace, params: CreateParams, progress: ProgressReporter, signal?: AbortSignal): Promise<Launches> {
  const { state, terminals } = deps;
  const started: Launches["terminals"] = [];
  if (!state.storedWorkspace(workspace.id)?.setupDone) {
    const setup = await runWorkspaceScript(terminals, workspace, projectPathOf(state, workspace), "setup", progress, signal).catch((error: unknown) => {
      throwIfAborted(signal);
      progress(1, 1, `Setup could not start: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (setup) {
      started.push({ terminalId: setup.terminalId, label: setup.label });
      if (setup.exitCode === null) progress(1, 1, `Setup did not finish within 10 minutes; it keeps running in terminal ${setup.terminalId}.`);
      else if (setup.exitCode !== 0) progress(1, 1, `Setup failed with exit code ${setup.exitCode}; read terminal ${setup.terminalId} to see why.`);
    }
    await state.patchWorkspace(workspace.id, { setupDone: true });
  }
  throwIfAborted(signal);
  const agents: Launches["agents"] = [];
  for (const request of params.agents ?? []) {
    let launched: ReturnType<typeof launchAgent>;
    try {
      launched = launchAgent({ state, terminals }, workspace, request.preset, request.prompt);
    } catch (error) {
      launched = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    if (launched.ok) {
      agents.push({ ok: true, sessionId: launched.sessionId, label: launched.label });
      started.push({ terminalId: launched.sessionId, label: launched.label });
    } else {
      agents.push({ ok: false, error: launched.error });
    }
  }
  if (params.command !== undefined && params.command.trim() !== "") {
    try {
      // The caller's command line is meant for a shell, as a person would type it in this workspace.
      const terminal = terminals.create({ workspaceId: workspace.id, cwd: workspace.worktreePath, launch: { kind: "shell", commandLine: params.command }, label: "command" });
      started.push({ terminalId: terminal.terminalId, label: "command" });
    } catch (error) {
      // The workspace exists and agents may run: a missing "command" terminal in the answer says it did not start.
      progress(1, 1, `The command could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { terminals: started, agents, alreadyExists: false };
}

/**
 * What workspace.create does: makes the folder, runs setup, starts the requested agents and
 * command. A workspace id seen before is finished if a killed create left it half made, else
 * answered as the first time; a branch another workspace has answers that one (`alreadyExists`).
 */
export async function createWorkspace(deps: WorkspaceDeps, params: CreateParams, progress: ProgressReporter, signal?: AbortSignal): Promise<CreateResult> {
  const { state } = deps;
  const saved = state.storedWorkspace(params.workspaceId);
  if (saved?.createResult) return { workspace: state.workspace(saved.id)!, ...saved.createResult };
  let workspace: HostWorkspace;
  if (saved) {
    await resumeWorkspace(state, deps.dataDir, saved, params);
    workspace = state.workspace(saved.id)!;
  } else {
    const prepared = await prepareWorkspace(state, deps.dataDir, params);
    if ("existing" in prepared) return { workspace: prepared.existing, terminals: [], agents: [], alreadyExists: true };
    workspace = state.workspace(prepared.record.id)!;
    if (prepared.alreadyExists) {
      const adopted: Launches = { terminals: [], agents: [], alreadyExists: true };
      await state.patchWorkspace(workspace.id, { createResult: adopted });
      return { workspace, ...adopted };
    }
  }
  let launches: Launches;
  try {
    // Making the folder is quick and not stopped midway; an abort is seen here or during setup.
    throwIfAborted(signal);
    launches = await launchInto(deps, workspace, params, progress, signal);
  } catch (error) {
    if (signal?.aborted) await undoCreate(deps, state.storedWorkspace(workspace.id)!);
    throw error;
  }
  await state.patchWorkspace(workspace.id, { createResult: launches });
  return { workspace: state.workspace(workspace.id)!, ...launches };
}

/** An aborted create leaves nothing: its terminals, its folder and its record go (the branch stays, as on delete). */
async function undoCreate(deps: WorkspaceDeps, stored: StoredWorkspace): Promise<void> {
  await deps.terminals.closeWorkspace(stored.id);
  const warning = await removeFolder(deps, stored);
  if (warning) log.warn("an aborted workspace left its folder", { workspaceId: stored.id, warning });
  await deps.state.removeWorkspace(stored.id);
}

/** Removes the workspace's folder: the worktree through git, a session folder directly. Returns a warning when something stayed. */
async function removeFolder(deps: WorkspaceDeps, stored: StoredWorkspace): Promise<string | undefined> {
  const path = stored.worktreePath;
  if (stored.type === "session") {
    // Only a folder of the agent's own sessions folder is ever deleted outright.
    rmSync(resolveInside(join(deps.dataDir, "sessions"), path), { recursive: true, force: true });
    return undefined;
  }
  const project = stored.projectId === null ? undefined : deps.state.project(stored.projectId);
  if (!project || !existsSync(project.repoPath)) {
    return existsSync(path) ? `The project folder is gone, so the worktree ${path} was left in place; delete it by hand.` : undefined;
  }
  // An adopted worktree may live anywhere the user put it; only folders of the data dir are removed.
  const inDataDir = (() => {
    try {
      resolveInside(deps.dataDir, path);
      return true;
    } catch {
      return false;
    }
  })();
  if (!inDataDir) return `The worktree ${path} was adopted from outside the host's data folder, so it was left in place; remove it with "git worktree remove" if you no longer need it.`;
  const output = await removeWorktree(project.repoPath, path);
  if (output.code !== 0 && existsSync(path)) return `git worktree remove failed (${lastGitMessage(output)}); the folder ${path} is still there.`;
  return undefined;
}

async function deleteWorkspace(deps: WorkspaceDeps, id: string, progress: ProgressReporter): Promise<CommandResult<"workspace.delete">> {
  const { state, terminals } = deps;
  const stored = storedOrNotFound(state, id);
  if (stored.type === "main") throw new CommandError("invalid", "A project's main workspace cannot be deleted; delete its worktree or session workspaces instead.");
  const warnings: string[] = [];
  const workspace = state.workspace(id)!;
  if (workspace.worktreeExists) {
    try {
      const teardown = await runWorkspaceScript(terminals, workspace, projectPathOf(state, workspace), "teardown", progress);
      if (teardown?.exitCode === null) warnings.push("Teardown did not finish within 2 minutes and was stopped.");
      else if (teardown && teardown.exitCode !== 0) warnings.push(`Teardown exited with code ${teardown.exitCode}; the workspace was deleted anyway.`);
    } catch (error) {
      warnings.push(`Teardown could not start (${error instanceof Error ? error.message : String(error)}); the workspace was deleted anyway.`);
    }
  }
  await terminals.closeWorkspace(id);
  const folderWarning = await removeFolder(deps, stored);
  if (folderWarning) warnings.push(folderWarning);
  await state.removeWorkspace(id);
  return { success: true, worktreeRemoved: !existsSync(stored.worktreePath), branchDeleted: false, warnings };
}

/** The handlers of workspace.create, workspace.update and workspace.delete. */
export function workspaceCommands(deps: WorkspaceDeps): { [N in WorkspaceCommand]: CommandHandler<CommandParams<N>, CommandResult<N>> } {
  return {
    "workspace.create": (params, progress, signal) => createWorkspace(deps, params, stepReporter(progress), signal),
    async "workspace.update"(params) {
      const stored = storedOrNotFound(deps.state, params.id);
      const name = params.name.trim();
      if (name === "") throw new CommandError("invalid", "The workspace name is empty; give a name of at least one character.");
      await deps.state.saveWorkspace({ ...stored, name, updatedAt: new Date().toISOString() });
      return { workspace: deps.state.workspace(params.id)! };
    },
    "workspace.delete": (params, progress) => deleteWorkspace(deps, params.id, stepReporter(progress)),
  };
}
