/**
 * What the server last knew of each host's projects and workspaces (docs/hosts-and-automations.md#hosts,
 * inventory), so lists answer while a host is briefly away. The host is the source
 * of truth; these rows are its reports.
 *
 * Safety: a host only ever writes rows of its own registration and organization. A reported id
 * that already belongs to another host or organization is skipped (and logged), never
 * overwritten: the upsert's update is conditional on the row's owner, and its RETURNING says
 * which rows were written. Rows with ids that are not UUIDs or times that are not dates are
 * skipped too.
 */
import { and, asc, eq, getTableColumns, isNull, notInArray, sql, type Column, type SQL } from "drizzle-orm";
import type { HostProject, HostWorkspace, Inventory } from "../hosts/protocol.ts";
import { log } from "../log.ts";
import { iso, isUuid, type ServiceContext } from "./context.ts";
import type { HostRegistration } from "./host-registration.ts";

/** A project as last reported, with when it was. */
export type StoredProject = HostProject & { syncedAt: string };
/** A live workspace as last reported, with its host's machine id and its project's name. */
export type StoredWorkspace = HostWorkspace & { hostId: string; projectName: string | null; syncedAt: string };

/** Which host wrote: the registration's id and organization are what every row is keyed by. */
type Writer = Pick<HostRegistration, "registrationId" | "organizationId">;

/** Rows per INSERT, well below SQLite's limit on bound parameters. */
const UPSERT_CHUNK_ROWS = 200;

export function createHostRecordService({ db }: ServiceContext) {
  const { orm, tables } = db;
  const { hostProjects, hostWorkspaces } = tables;

  /** `excluded.<column>`: the value the INSERT proposed (same spelling in SQLite and PostgreSQL). */
  const proposed = (column: Column) => sql.raw(`excluded."${column.name}"`);
  const ownedBy = (table: typeof hostProjects | typeof hostWorkspaces, writer: Writer): SQL => and(eq(table.hostId, writer.registrationId), eq(table.organizationId, writer.organizationId))!;

  function projectRow(writer: Writer, project: HostProject, at: Date) {
    const createdAt = dateOf(project.createdAt);
    const updatedAt = dateOf(project.updatedAt);
    if (!isUuid(project.id) || !createdAt || !updatedAt) return null;
    return {
      id: project.id.toLowerCase(),
      organizationId: writer.organizationId,
      hostId: writer.registrationId,
      name: project.name,
      repoPath: project.repoPath,
      repoUrl: project.repoUrl,
      defaultBranch: project.defaultBranch,
      createdAt,
      updatedAt,
      syncedAt: at,
    };
  }

  function workspaceRow(writer: Writer, workspace: HostWorkspace, at: Date) {
    const createdAt = dateOf(workspace.createdAt);
    const updatedAt = dateOf(workspace.updatedAt);
    const references = [workspace.projectId, workspace.taskId, workspace.createdByUserId];
    if (!isUuid(workspace.id) || !createdAt || !updatedAt || references.some((id) => id !== null && !isUuid(id))) return null;
    return {
      id: workspace.id.toLowerCase(),
      organizationId: writer.organizationId,
      hostId: writer.registrationId,
      projectId: workspace.projectId?.toLowerCase() ?? null,
      name: workspace.name,
      branch: workspace.branch,
      type: workspace.type,
      worktreePath: workspace.worktreePath,
      worktreeExists: workspace.worktreeExists,
      taskId: workspace.taskId?.toLowerCase() ?? null,
      createdByUserId: workspace.createdByUserId?.toLowerCase() ?? null,
      createdAt,
      updatedAt,
      archivedAt: null,
      syncedAt: at,
    };
  }

  /** Upserts the projects; returns the ids written (the host's own). */
  async function upsertProjects(writer: Writer, projects: HostProject[], at: Date): Promise<Set<string>> {
    const rows = keptRows(writer, "project", projects, (project) => projectRow(writer, project, at));
    const written = new Set<string>();
    const { id: _id, organizationId: _org, hostId: _host, ...reported } = getTableColumns(hostProjects);
    for (const chunk of chunks(rows)) {
      const returned = await orm
        .insert(hostProjects)
        .values(chunk)
        .onConflictDoUpdate({ target: hostProjects.id, set: mapValues(reported, proposed), setWhere: ownedBy(hostProjects, writer) })
        .returning({ id: hostProjects.id });
      for (const { id } of returned) written.add(id);
    }
    warnSkipped(writer, "project", rows, written);
    return written;
  }

  /** Upserts the workspaces (a reported one is live again); returns the ids written (the host's own). */
  async function upsertWorkspaces(writer: Writer, workspaces: HostWorkspace[], at: Date): Promise<Set<string>> {
    const rows = keptRows(writer, "workspace", workspaces, (workspace) => workspaceRow(writer, workspace, at));
    const written = new Set<string>();
    const { id: _id, organizationId: _org, hostId: _host, ...reported } = getTableColumns(hostWorkspaces);
    for (const chunk of chunks(rows)) {
      const returned = await orm
        .insert(hostWorkspaces)
        .values(chunk)
        .onConflictDoUpdate({ target: hostWorkspaces.id, set: mapValues(reported, proposed), setWhere: ownedBy(hostWorkspaces, writer) })
        .returning({ id: hostWorkspaces.id });
      for (const { id } of returned) written.add(id);
    }
    warnSkipped(writer, "workspace", rows, written);
    return written;
  }

  const selectWorkspaces = (writer: Writer, condition?: SQL) =>
    orm
      .select({ ...getTableColumns(hostWorkspaces), projectName: hostProjects.name })
      .from(hostWorkspaces)
      .leftJoin(hostProjects, and(eq(hostProjects.id, hostWorkspaces.projectId), eq(hostProjects.hostId, hostWorkspaces.hostId)))
      .where(and(ownedBy(hostWorkspaces, writer), isNull(hostWorkspaces.archivedAt), condition))
      .orderBy(asc(hostWorkspaces.createdAt), asc(hostWorkspaces.id));

  const selectProjects = (writer: Writer, condition?: SQL) =>
    orm
      .select()
      .from(hostProjects)
      .where(and(ownedBy(hostProjects, writer), condition))
      .orderBy(asc(hostProjects.name), asc(hostProjects.id));

  const toWorkspace =
    (host: HostRegistration) =>
    (row: Awaited<ReturnType<typeof selectWorkspaces>>[number]): StoredWorkspace => ({
      id: row.id,
      hostId: host.id!,
      projectId: row.projectId,
      projectName: row.projectName,
      name: row.name,
      branch: row.branch,
      type: row.type,
      worktreePath: row.worktreePath,
      worktreeExists: row.worktreeExists,
      taskId: row.taskId,
      createdByUserId: row.createdByUserId,
      createdAt: iso(row.createdAt)!,
      updatedAt: iso(row.updatedAt)!,
      syncedAt: iso(row.syncedAt)!,
    });

  const toProject = (row: typeof hostProjects.$inferSelect): StoredProject => ({
    id: row.id,
    name: row.name,
    repoPath: row.repoPath,
    repoUrl: row.repoUrl,
    defaultBranch: row.defaultBranch,
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
    syncedAt: iso(row.syncedAt)!,
  });

  return {
    /**
     * Makes the records match a host's whole inventory: every reported project and workspace is
     * upserted, projects no longer reported are deleted, workspaces no longer reported archived.
     */
    async reconcileInventory(registration: HostRegistration, inventory: Inventory, at: Date): Promise<void> {
      const projects = await upsertProjects(registration, inventory.projects, at);
      const workspaces = await upsertWorkspaces(registration, inventory.workspaces, at);
      await orm.delete(hostProjects).where(and(ownedBy(hostProjects, registration), notInArray(hostProjects.id, [...projects])));
      await orm
        .update(hostWorkspaces)
        .set({ archivedAt: at, syncedAt: at })
        .where(and(ownedBy(hostWorkspaces, registration), isNull(hostWorkspaces.archivedAt), notInArray(hostWorkspaces.id, [...workspaces])));
    },

    /** Records one project a command reported; false when it was skipped (not the host's, or malformed). */
    async saveProject(registration: HostRegistration, project: HostProject, at: Date): Promise<boolean> {
      return (await upsertProjects(registration, [project], at)).size > 0;
    },

    /** Records one workspace a command reported, live; false when it was skipped (not the host's, or malformed). */
    async saveWorkspace(registration: HostRegistration, workspace: HostWorkspace, at: Date): Promise<boolean> {
      return (await upsertWorkspaces(registration, [workspace], at)).size > 0;
    },

    /** Archives one of the host's workspaces (after `workspace.delete`); other hosts' rows are untouched. */
    async archiveWorkspace(registration: HostRegistration, workspaceId: string, at: Date): Promise<void> {
      if (!isUuid(workspaceId)) return;
      await orm
        .update(hostWorkspaces)
        .set({ archivedAt: at, syncedAt: at })
        .where(and(ownedBy(hostWorkspaces, registration), eq(hostWorkspaces.id, workspaceId.toLowerCase()), isNull(hostWorkspaces.archivedAt)));
    },

    /** The host's projects by name. */
    async listProjects(registration: HostRegistration): Promise<StoredProject[]> {
      return (await selectProjects(registration)).map(toProject);
    },

    /** The host's live (not archived) workspaces, oldest first, with their project's name. */
    async listWorkspaces(registration: HostRegistration): Promise<StoredWorkspace[]> {
      if (registration.id === null) return [];
      return (await selectWorkspaces(registration)).map(toWorkspace(registration));
    },

    /** One of the host's projects, or null. */
    async findProject(registration: HostRegistration, projectId: string): Promise<StoredProject | null> {
      if (!isUuid(projectId)) return null;
      const row = (await selectProjects(registration, eq(hostProjects.id, projectId.toLowerCase())))[0];
      return row ? toProject(row) : null;
    },

    /** One of the host's live workspaces, or null (an archived one too). */
    async findWorkspace(registration: HostRegistration, workspaceId: string): Promise<StoredWorkspace | null> {
      if (registration.id === null || !isUuid(workspaceId)) return null;
      const row = (await selectWorkspaces(registration, eq(hostWorkspaces.id, workspaceId.toLowerCase())))[0];
      return row ? toWorkspace(registration)(row) : null;
    },
  };
}

export type HostRecordService = ReturnType<typeof createHostRecordService>;

/** The rows that can be stored, each reported id once (the last report wins); the rest logged. */
function keptRows<I extends { id: string }, R extends { id: string }>(writer: Writer, kind: string, items: I[], toRow: (item: I) => R | null): R[] {
  const rows = new Map<string, R>();
  for (const item of items) {
    const row = toRow(item);
    if (row) rows.set(row.id, row);
    else log.warn(`host reported a malformed ${kind}; skipped`, { registrationId: writer.registrationId, id: item.id.slice(0, 100) });
  }
  return [...rows.values()];
}

function warnSkipped(writer: Writer, kind: string, rows: { id: string }[], written: Set<string>): void {
  for (const row of rows) {
    if (!written.has(row.id)) log.warn(`host reported a ${kind} id that belongs to another host or organization; skipped`, { registrationId: writer.registrationId, id: row.id });
  }
}

function dateOf(text: string): Date | null {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

function chunks<T>(rows: T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < rows.length; i += UPSERT_CHUNK_ROWS) result.push(rows.slice(i, i + UPSERT_CHUNK_ROWS));
  return result;
}

function mapValues<K extends string, V, W>(object: Record<K, V>, map: (value: V) => W): Record<K, W> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value as V)])) as Record<K, W>;
}
