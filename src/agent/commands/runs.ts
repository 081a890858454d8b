/**
 * run.start: an automation run's workspace and agent. The workspace is placed as the server asked
 * (a fresh worktree, a fresh session, or the pinned workspace with a fallback when it is gone) and
 * made exactly as workspace.create makes one, setup script included; then the preset's agent
 * starts with the prompt as one argument, its output captured from the first byte, and the run
 * tracker follows it to the run's report.
 *
 * Idempotent by run id: a run whose agent was started is answered from its record, so a re-sent
 * command (even after a crash between the launch and the journal's answer) never starts a second
 * agent; a crash before the launch converges on the workspace id the server chose.
 */
import { existsSync } from "node:fs";
import type { CommandParams, CommandResult, HostWorkspace } from "../../hosts/protocol.ts";
import type { RunTracker } from "../run-tracker.ts";
import type { AgentState } from "../state.ts";
import { CommandError, type CommandHandler, type ProgressReporter } from "../types.ts";
import { checkedAgentLaunch, startAgent } from "./agents.ts";
import { createWorkspace, stepReporter, type WorkspaceDeps } from "./workspaces.ts";

/** What the run handler needs: the workspace handlers' deps and the run tracker. */
export interface RunDeps extends WorkspaceDeps {
  runs: RunTracker;
}

type StartParams = CommandParams<"run.start">;

/** The project `projectId` when this host has it and its folder, else undefined. */
function usableProject(state: AgentState, projectId: string | null): string | undefined {
  const project = projectId === null ? undefined : state.project(projectId);
  return project && existsSync(project.repoPath) ? project.id : undefined;
}

/** A new workspace with the server's id: a worktree of `projectId` on the run's branch, or a session without a project. */
async function freshWorkspace(deps: RunDeps, params: StartParams, projectId: string | undefined, progress: ProgressReporter): Promise<HostWorkspace> {
  const { workspace } = await createWorkspace(
    deps,
    { workspaceId: params.newWorkspaceId, projectId, name: params.workspaceName, branch: projectId === undefined ? undefined : params.branch, createdByUserId: params.createdByUserId },
    progress,
  );
  // workspace.create answers the workspace that already has the branch; a run must not work in someone else's.
  if (workspace.id !== params.newWorkspaceId) {
    throw new CommandError("conflict", `Branch ${workspace.branch} already has workspace ${workspace.id} on this host, and a run needs a fresh one; give the run another branch.`);
  }
  return workspace;
}

/** Where the run works, and a note when the pinned workspace was gone. */
async function placeRun(deps: RunDeps, params: StartParams, progress: ProgressReporter): Promise<{ workspace: HostWorkspace; note: string | null }> {
  const { placement } = params;
  if (placement.mode === "worktree") return { workspace: await freshWorkspace(deps, params, placement.projectId, progress), note: null };
  if (placement.mode === "session") return { workspace: await freshWorkspace(deps, params, undefined, progress), note: null };
  const pinned = deps.state.workspace(placement.workspaceId);
  if (pinned?.worktreeExists) return { workspace: pinned, note: null };
  const fallbackProjectId = usableProject(deps.state, placement.fallbackProjectId);
  const workspace = await freshWorkspace(deps, params, fallbackProjectId, progress);
  const kind = fallbackProjectId === undefined ? "session" : "worktree";
  return { workspace, note: `Workspace ${placement.workspaceId} is gone; this run used a fresh ${kind} workspace ${workspace.id}.` };
}

async function startRun(deps: RunDeps, params: StartParams, progress: ProgressReporter): Promise<CommandResult<"run.start">> {
  const recorded = deps.runs.startOf(params.runId);
  if (recorded) return recorded;
  // Before the workspace (a worktree and its setup can take minutes): a run whose agent cannot start leaves nothing behind.
  checkedAgentLaunch(params.preset, { prompt: params.prompt });
  const { workspace, note } = await placeRun(deps, params, progress);
  const run = deps.runs.prepare(params);
  const startedAt = new Date().toISOString();
  // Nothing asynchronous from here to `started`: the run is on disk as soon as its agent runs.
  const { sessionId } = startAgent(deps.terminals, workspace, params.preset, { prompt: params.prompt, ...run.follow });
  const start = { workspace: deps.state.workspace(workspace.id) ?? workspace, terminalId: sessionId, startedAt, note };
  run.started(start);
  return start;
}

/** The handler of run.start. */
export function runCommands(deps: RunDeps): { "run.start": CommandHandler<StartParams, CommandResult<"run.start">> } {
  return { "run.start": (params, progress) => startRun(deps, params, stepReporter(progress)) };
}
