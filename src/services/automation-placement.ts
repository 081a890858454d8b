/**
 * Where an automation runs, checked when it is created or changed: a pinned host the caller may
 * use, a project (a fresh worktree of it each run) or a pinned workspace, from the records the
 * hosts reported. A project or workspace lives on one host, so it names the host too, and a pinned
 * host that contradicts it is refused rather than left to fail at 9 am.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Actor } from "./actor.ts";
import { isUuid, type ServiceContext } from "./context.ts";
import { invalid, ServiceError } from "./errors.ts";
import type { HostService } from "./hosts.ts";

export interface Placement {
  targetHostId: string | null;
  v2ProjectId: string | null;
  v2WorkspaceId: string | null;
}

export type AutomationPlacement = ReturnType<typeof createAutomationPlacement>;

export function createAutomationPlacement({ db }: ServiceContext, hosts: HostService) {
  const { orm, tables } = db;
  const { hostProjects, hostWorkspaces, hosts: hostRows } = tables;

  /** The machine id of the live host holding a recorded project of the organization, or null. */
  async function projectHost(organizationId: string, projectId: string): Promise<string | null> {
    if (!isUuid(projectId)) return null;
    const row = (
      await orm
        .select({ machineId: hostRows.machineId })
        .from(hostProjects)
        .innerJoin(hostRows, and(eq(hostRows.id, hostProjects.hostId), isNull(hostRows.revokedAt)))
        .where(and(eq(hostProjects.organizationId, organizationId), eq(hostProjects.id, projectId.toLowerCase())))
    )[0];
    return row?.machineId ?? null;
  }

  /** The live host of a recorded workspace of the organization; `archived` too when the host no longer reports it. */
  async function workspaceHost(organizationId: string, workspaceId: string, options: { archived: boolean }): Promise<{ machineId: string; projectId: string | null } | null> {
    if (!isUuid(workspaceId)) return null;
    const row = (
      await orm
        .select({ machineId: hostRows.machineId, projectId: hostWorkspaces.projectId })
        .from(hostWorkspaces)
        .innerJoin(hostRows, and(eq(hostRows.id, hostWorkspaces.hostId), isNull(hostRows.revokedAt)))
        .where(and(eq(hostWorkspaces.organizationId, organizationId), eq(hostWorkspaces.id, workspaceId.toLowerCase()), options.archived ? undefined : isNull(hostWorkspaces.archivedAt)))
    )[0];
    return row?.machineId ? { machineId: row.machineId, projectId: row.projectId } : null;
  }

  /** The host, if the actor may use it; the sentence names what asked for it. */
  async function requireUsable(actor: Actor, machineId: string, what: string): Promise<string> {
    try {
      return (await hosts.findForActor(actor, machineId)).id!;
    } catch (error) {
      if (error instanceof ServiceError && error.kind === "not_found") {
        throw invalid(`${what} is on host ${machineId}, which you may not use; ask its owner or an organization admin for access ("superset hosts grant"), or pick another from hosts_list.`);
      }
      throw error;
    }
  }

  return {
    projectHost,
    workspaceHost,

    /** The placement with ids normalized; refuses unknown ids, unusable hosts and contradictions with a sentence. */
    async check(actor: Actor, asked: Placement): Promise<Placement> {
      const target = asked.targetHostId === null ? null : (await hosts.findForActor(actor, asked.targetHostId)).id!;
      let projectMachine: string | null = null;
      if (asked.v2ProjectId !== null) {
        projectMachine = await projectHost(actor.organizationId, asked.v2ProjectId);
        if (!projectMachine) throw invalid(`Project ${asked.v2ProjectId} not found in organization ${actor.organizationSlug}; call projects_list with a hostId for the projects of a host.`);
        await requireUsable(actor, projectMachine, `Project ${asked.v2ProjectId}`);
        if (target !== null && target !== projectMachine)
          throw invalid(`Project ${asked.v2ProjectId} is on host ${projectMachine}, not on targetHostId ${target}; leave targetHostId out or set it to ${projectMachine}.`);
      }
      if (asked.v2WorkspaceId !== null) {
        const workspace = await workspaceHost(actor.organizationId, asked.v2WorkspaceId, { archived: false });
        if (!workspace) throw invalid(`Workspace ${asked.v2WorkspaceId} not found in organization ${actor.organizationSlug}; call workspaces_list with a hostId for the workspaces of a host.`);
        await requireUsable(actor, workspace.machineId, `Workspace ${asked.v2WorkspaceId}`);
        if (target !== null && target !== workspace.machineId)
          throw invalid(`Workspace ${asked.v2WorkspaceId} is on host ${workspace.machineId}, not on targetHostId ${target}; leave targetHostId out or set it to ${workspace.machineId}.`);
        if (asked.v2ProjectId !== null && workspace.projectId !== asked.v2ProjectId.toLowerCase()) {
          throw invalid(`Workspace ${asked.v2WorkspaceId} does not belong to project ${asked.v2ProjectId}; pass only v2WorkspaceId, or a v2ProjectId and v2WorkspaceId that go together.`);
        }
      }
      return {
        targetHostId: target,
        v2ProjectId: asked.v2ProjectId?.toLowerCase() ?? null,
        v2WorkspaceId: asked.v2WorkspaceId?.toLowerCase() ?? null,
      };
    },
  };
}
