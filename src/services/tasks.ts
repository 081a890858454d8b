import { and, desc, eq, getTableColumns, isNull, like, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { taskSearchCondition } from "../db/search.ts";
import type { TaskPriority } from "../db/schema/values.ts";
import { requireRole, type Actor } from "./actor.ts";
import { iso, isUuid, newId, type ServiceContext } from "./context.ts";
import { invalid, notFound } from "./errors.ts";
import type { StatusService } from "./statuses.ts";
import { firstFreeSuffix, slugBase, slugWithSuffix } from "./task-slug.ts";
import { listItemDecoder } from "./task-rows.ts";
import { createReadMemo } from "./read-memo.ts";

/** A task as tools return it (docs/tools.md#tasks). */
export interface Task {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  statusId: string;
  priority: TaskPriority;
  assigneeId: string | null;
  creatorId: string | null;
  estimate: number | null;
  dueDate: string | null;
  labels: string[] | null;
  prUrl: string | null;
  branch: string | null;
  startedAt: string | null;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
  organizationId: string;
}

export interface TaskListItem {
  task: Task;
  assignee: { id: string; name: string } | null;
  creator: { id: string; name: string } | null;
  statusName: string;
}

export interface TaskFilters {
  statusId?: string | null;
  priority?: TaskPriority | null;
  assigneeId?: string | null;
  assigneeMe?: boolean | null;
  creatorMe?: boolean | null;
  search?: string | null;
  limit: number;
  offset: number;
}

export interface TaskFields {
  title?: string;
  description?: string | null;
  statusId?: string | null;
  priority?: TaskPriority;
  assigneeId?: string | null;
  estimate?: number | null;
  dueDate?: string | null;
  labels?: string[] | null;
  prUrl?: string | null;
}

/** Unsearched list pages kept while nothing was written (read-memo.ts): a few KB each. */
const LIST_MEMO_ENTRIES = 256;
/** The optional equality filters of tasks_list, in a fixed order (it names prepared queries). */
const LIST_FILTERS = ["statusId", "priority", "assigneeId", "creatorId"] as const;

export function createTaskService(context: ServiceContext, statuses: StatusService) {
  const { db, now } = context;
  const { orm, tables } = db;
  const { tasks, taskStatuses, users, memberships, taskSlugCounters } = tables;
  const assignee = alias(users, "assignee");
  const creator = alias(users, "creator");

  type TaskRow = typeof tasks.$inferSelect;
  const toTask = (row: TaskRow): Task => ({
    id: row.id,
    slug: row.slug,
    title: row.title,
    description: row.description,
    statusId: row.statusId,
    priority: row.priority,
    assigneeId: row.assigneeId,
    creatorId: row.creatorId,
    estimate: row.estimate,
    dueDate: iso(row.dueDate),
    labels: row.labels,
    prUrl: row.prUrl,
    branch: row.branch,
    startedAt: iso(row.startedAt),
    completedAt: iso(row.completedAt),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
    organizationId: row.organizationId,
  });

  const live = (actor: Actor) => and(eq(tasks.organizationId, actor.organizationId), isNull(tasks.deletedAt));

  async function findRow(actor: Actor, idOrSlug: string): Promise<TaskRow | undefined> {
    const key = isUuid(idOrSlug) ? eq(tasks.id, idOrSlug.toLowerCase()) : eq(tasks.slug, idOrSlug);
    return (
      await orm
        .select()
        .from(tasks)
        .where(and(live(actor), key))
        .limit(1)
    )[0];
  }

  async function requireMember(actor: Actor, userId: string): Promise<void> {
    // PostgreSQL refuses a non-UUID for a uuid column with an error; SQLite just finds nothing.
    const rows = !isUuid(userId)
      ? []
      : await orm
          .select({ userId: memberships.userId })
          .from(memberships)
          .where(and(eq(memberships.organizationId, actor.organizationId), eq(memberships.userId, userId.toLowerCase())));
    if (rows.length === 0) throw invalid(`User ${userId} is not a member of organization ${actor.organizationSlug}; call organization_members_list for valid assignee ids.`);
  }

  async function requireStatus(actor: Actor, statusId: string) {
    const status = isUuid(statusId) ? await statuses.find(actor.organizationId, statusId.toLowerCase()) : undefined;
    if (!status) throw invalid(`Status ${statusId} does not exist in organization ${actor.organizationSlug}; call tasks_statuses_list for valid status ids.`);
    return status;
  }

  /** startedAt / completedAt follow the type of the status a task moves into (docs/tools.md#statuses). */
  function statusTimestamps(type: string, current: Pick<TaskRow, "startedAt" | "completedAt"> | null, at: Date) {
    if (type === "started") return { startedAt: current?.startedAt ?? at };
    if (type === "completed") return { completedAt: at, startedAt: current?.startedAt ?? at };
    return {};
  }

  async function reservedSlugs(organizationId: string, base: string): Promise<string[]> {
    const rows = await orm
      .select({ slug: tasks.slug })
      .from(tasks)
      .where(and(eq(tasks.organizationId, organizationId), or(eq(tasks.slug, base), like(tasks.slug, `${base}-%`))));
    return rows.map((row) => row.slug);
  }

  /**
   * The next slug suffix for `base` in the organization, one more than the last handed out, in one
   * atomic statement, so concurrent creators of one title never draw the same number. The first
   * draw for a base starts at the first suffix its existing slugs leave free.
   */
  async function drawSlugSuffix(organizationId: string, base: string): Promise<number> {
    const counter = and(eq(taskSlugCounters.organizationId, organizationId), eq(taskSlugCounters.base, base));
    const next = { lastSuffix: sql`${taskSlugCounters.lastSuffix} + 1` };
    const [bumped] = await orm.update(taskSlugCounters).set(next).where(counter).returning({ lastSuffix: taskSlugCounters.lastSuffix });
    if (bumped) return bumped.lastSuffix;
    const seed = firstFreeSuffix(base, await reservedSlugs(organizationId, base));
    // Another creator may have made the row meanwhile: then this draw is one past its number.
    const [drawn] = await orm
      .insert(taskSlugCounters)
      .values({ organizationId, base, lastSuffix: seed })
      .onConflictDoUpdate({ target: [taskSlugCounters.organizationId, taskSlugCounters.base], set: next })
      .returning({ lastSuffix: taskSlugCounters.lastSuffix });
    return drawn!.lastSuffix;
  }

  type ListFilter = (typeof LIST_FILTERS)[number];
  const filterColumn = { statusId: tasks.statusId, priority: tasks.priority, assigneeId: tasks.assigneeId, creatorId: tasks.creatorId };

  const fields = { ...getTableColumns(tasks), assigneeName: assignee.name, creatorName: creator.name, statusName: taskStatuses.name };
  const toListItem = listItemDecoder(Object.keys(fields));

  function listQuery(shape: ListFilter[], search?: SQL) {
    const conditions = [eq(tasks.organizationId, sql.placeholder("organizationId")), isNull(tasks.deletedAt), search];
    for (const key of shape) conditions.push(eq(filterColumn[key], sql.placeholder(key)));
    const query = orm
      .select(fields)
      .from(tasks)
      .innerJoin(taskStatuses, eq(taskStatuses.id, tasks.statusId))
      .leftJoin(assignee, eq(assignee.id, tasks.assigneeId))
      .leftJoin(creator, eq(creator.id, tasks.creatorId))
      .where(and(...conditions))
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(sql.placeholder("limit"))
      .offset(sql.placeholder("offset"));
    return db.prepareValues(query);
  }

  type ListPage = { items: TaskListItem[]; nextOffset: number | null };
  const pages = createReadMemo<ListPage>(db, LIST_MEMO_ENTRIES);
  const preparedLists = new Map<string, ReturnType<typeof listQuery>>();
  function preparedList(shape: ListFilter[]) {
    const key = shape.join(",");
    let query = preparedLists.get(key);
    if (!query) preparedLists.set(key, (query = listQuery(shape)));
    return query;
  }

  return {
    /** Tasks of the actor's organization, newest first, with assignee, creator and status name. */
    async list(actor: Actor, filters: TaskFilters): Promise<{ items: TaskListItem[]; nextOffset: number | null }> {
      await statuses.ensureSeeded(actor.organizationId);
      const values = {
        organizationId: actor.organizationId,
        statusId: filters.statusId?.toLowerCase(),
        priority: filters.priority,
        assigneeId: filters.assigneeMe ? actor.userId : filters.assigneeId?.toLowerCase(),
        creatorId: filters.creatorMe ? actor.userId : undefined,
        limit: filters.limit + 1,
        offset: filters.offset,
      };
      const shape = LIST_FILTERS.filter((key) => values[key]);
      const read = async (query: ReturnType<typeof listQuery>): Promise<ListPage> => {
        const rows = await query(values);
        const items: TaskListItem[] = [];
        for (let i = 0; i < rows.length && i < filters.limit; i++) items.push(toListItem(rows[i]!));
        return { items, nextOffset: rows.length > filters.limit ? filters.offset + filters.limit : null };
      };
      const search = filters.search ? taskSearchCondition(db, filters.search) : undefined;
      if (search) return read(listQuery(shape, search));
      // Without a search the query depends only on which filters are present: prepared once per shape,
      // and its page is the same for every member until something is written.
      return pages.get(JSON.stringify(values), () => read(preparedList(shape)));
    },

    /** One live task by UUID or slug, or null. */
    async get(actor: Actor, idOrSlug: string): Promise<Task | null> {
      const row = await findRow(actor, idOrSlug);
      return row ? toTask(row) : null;
    },

    async create(actor: Actor, fields: TaskFields & { title: string }): Promise<Task> {
      requireRole(actor, "member", "create tasks");
      const status = fields.statusId ? await requireStatus(actor, fields.statusId) : await statuses.firstOfType(actor.organizationId, "backlog");
      if (!status) throw invalid(`Organization ${actor.organizationSlug} has no backlog status; pass statusId from tasks_statuses_list.`);
      if (fields.assigneeId) await requireMember(actor, fields.assigneeId);
      const at = now();
      const base = slugBase(fields.title);
      // Each draw is a number no other creator of this base gets. It can still be taken by a task of
      // another base ("fix 1" is "fix-1", as is the second "fix"): then the insert does nothing and the
      // next number is drawn. Numbers only grow and slugs are finite, so this ends, and never in an error.
      for (;;) {
        const slug = slugWithSuffix(base, await drawSlugSuffix(actor.organizationId, base));
        const [row] = await orm
          .insert(tasks)
          .values({
            id: newId(),
            organizationId: actor.organizationId,
            slug,
            title: fields.title,
            description: fields.description ?? null,
            statusId: status.id,
            priority: fields.priority ?? "none",
            assigneeId: fields.assigneeId?.toLowerCase() ?? null,
            creatorId: actor.userId,
            estimate: fields.estimate ?? null,
            dueDate: fields.dueDate ? new Date(fields.dueDate) : null,
            labels: fields.labels ?? null,
            prUrl: fields.prUrl ?? null,
            ...statusTimestamps(status.type, null, at),
            createdAt: at,
            updatedAt: at,
          })
          .onConflictDoNothing({ target: [tasks.organizationId, tasks.slug] })
          .returning();
        if (row) return toTask(row);
      }
    },

    /** Writes only the fields present; null clears a field. */
    async update(actor: Actor, id: string, fields: TaskFields): Promise<Task> {
      requireRole(actor, "member", "change tasks");
      const current = await findRow(actor, id);
      if (!current) throw notFound(`Task ${id} not found in organization ${actor.organizationSlug}; call tasks_list to find its id.`);
      const at = now();
      const changes: Partial<TaskRow> = { updatedAt: at };
      if (fields.title !== undefined) changes.title = fields.title;
      if (fields.description !== undefined) changes.description = fields.description;
      if (fields.priority !== undefined) changes.priority = fields.priority;
      if (fields.estimate !== undefined) changes.estimate = fields.estimate;
      if (fields.labels !== undefined) changes.labels = fields.labels;
      if (fields.prUrl !== undefined) changes.prUrl = fields.prUrl;
      if (fields.dueDate !== undefined) changes.dueDate = fields.dueDate === null ? null : new Date(fields.dueDate);
      if (fields.assigneeId !== undefined) {
        if (fields.assigneeId !== null) await requireMember(actor, fields.assigneeId);
        changes.assigneeId = fields.assigneeId?.toLowerCase() ?? null;
      }
      if (fields.statusId) {
        const status = await requireStatus(actor, fields.statusId);
        changes.statusId = status.id;
        if (status.id !== current.statusId) Object.assign(changes, statusTimestamps(status.type, current, at));
      }
      const [row] = await orm
        .update(tasks)
        .set(changes)
        .where(and(live(actor), eq(tasks.id, current.id)))
        .returning();
      if (!row) throw notFound(`Task ${id} was deleted while it was being updated.`);
      return toTask(row);
    },

    /**
     * A workspace was made for the task (docs/hosts-and-automations.md#workspaces, `taskId`): a task still in a
     * backlog or unstarted status moves to the organization's first started one, and an
     * unassigned task is assigned to the caller. Other tasks are left as they are.
     */
    async startForWorkspace(actor: Actor, id: string): Promise<Task> {
      const current = await findRow(actor, id);
      if (!current) throw notFound(`Task ${id} not found in organization ${actor.organizationSlug}; call tasks_list to find its id.`);
      const status = await statuses.find(actor.organizationId, current.statusId);
      const fields: TaskFields = {};
      if (!status || status.type === "backlog" || status.type === "unstarted") {
        const started = await statuses.firstOfType(actor.organizationId, "started");
        if (started) fields.statusId = started.id;
      }
      if (!current.assigneeId) fields.assigneeId = actor.userId;
      return Object.keys(fields).length ? this.update(actor, current.id, fields) : toTask(current);
    },

    /** Soft delete: the row stays (its slug stays reserved) but no tool sees it again. */
    async delete(actor: Actor, id: string): Promise<{ deleted: true; id: string }> {
      requireRole(actor, "member", "delete tasks");
      // A non-UUID is no task's id; asking PostgreSQL would fail on the uuid column instead.
      const rows = !isUuid(id)
        ? []
        : await orm
            .update(tasks)
            .set({ deletedAt: now(), updatedAt: now() })
            .where(and(live(actor), eq(tasks.id, id.toLowerCase())))
            .returning({ id: tasks.id });
      if (rows.length === 0) throw notFound(`Task ${id} not found in organization ${actor.organizationSlug}; it may already be deleted.`);
      return { deleted: true, id: rows[0]!.id };
    },
  };
}

export type TaskService = ReturnType<typeof createTaskService>;
