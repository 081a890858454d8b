/**
 * What every tool carried out on a host does first: find the host among those the caller may
 * use (a foreign or unknown id is "not found"), then send it one command and wait for the answer,
 * passing the host's progress on as MCP progress notifications and the caller's going away on as
 * an abort of the command.
 */
import type { CommandName, CommandParams, CommandResult, HostProject, HostWorkspace } from "../../hosts/protocol.ts";
import type { HostRegistration } from "../../services/hosts.ts";
import type { ToolContext } from "../types.ts";
import type { WorkspaceOutput } from "./schemas.ts";

export function findHost({ services, actor }: ToolContext, hostId: string): Promise<HostRegistration> {
  return services.hosts.findForActor(actor, hostId);
}

export function isHostOnline({ hosts }: ToolContext, host: HostRegistration): Promise<boolean> {
  return hosts.hub.isOnline(host.registrationId);
}

export function onHost<N extends CommandName>(context: ToolContext, host: HostRegistration, name: N, params: CommandParams<N>): Promise<CommandResult<N>> {
  return context.hosts.hub.command(host, name, params, { onProgress: context.progress, signal: context.signal });
}

/** A host's workspace as tools show it, with the host id and its project's name. */
export function workspaceView(host: HostRegistration, workspace: HostWorkspace, projectName: string | null): WorkspaceOutput {
  const { id, projectId, name, branch, type, worktreePath, worktreeExists, taskId, createdByUserId, createdAt, updatedAt } = workspace;
  return { id, hostId: host.id!, projectId, projectName, name, branch, type, worktreePath, worktreeExists, taskId, createdByUserId, createdAt, updatedAt };
}

/** A host's project as tools show it (the wire shape without anything extra a host may add). */
export function projectView({ id, name, repoPath, repoUrl, defaultBranch, createdAt, updatedAt }: HostProject): HostProject {
  return { id, name, repoPath, repoUrl, defaultBranch, createdAt, updatedAt };
}
