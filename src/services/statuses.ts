import { and, asc, eq } from "drizzle-orm";
import type { StatusType } from "../db/schema/values.ts";
import type { Actor } from "./actor.ts";
import { newId, type ServiceContext } from "./context.ts";

export interface TaskStatus {
  id: string;
  name: string;
  color: string;
  type: StatusType;
  position: number;
}

/** The statuses every organization starts with (docs/tools.md#statuses). */
export const DEFAULT_STATUSES: Omit<TaskStatus, "id">[] = [
  { name: "Backlog", color: "#95a2b3", type: "backlog", position: 0 },
  { name: "Todo", color: "#e2e2e2", type: "unstarted", position: 1 },
  { name: "In Progress", color: "#f2c94c", type: "started", position: 2 },
  { name: "Done", color: "#0e9f6e", type: "completed", position: 3 },
  { name: "Canceled", color: "#95a2b3", type: "canceled", position: 4 },
];

export function createStatusService({ db }: ServiceContext) {
  const { orm, tables } = db;
  const { taskStatuses } = tables;
  const seeded = new Set<string>();

  /** Statuses are seeded on first use; the unique (organization, name) index makes racing seeders harmless. */
  async function ensureSeeded(organizationId: string): Promise<void> {
    if (seeded.has(organizationId)) return;
    const existing = await orm.select({ id: taskStatuses.id }).from(taskStatuses).where(eq(taskStatuses.organizationId, organizationId)).limit(1);
    if (existing.length === 0) {
      await orm
        .insert(taskStatuses)
        .values(DEFAULT_STATUSES.map((status) => ({ ...status, id: newId(), organizationId })))
        .onConflictDoNothing();
    }
    seeded.add(organizationId);
  }

  async function list(organizationId: string): Promise<TaskStatus[]> {
    await ensureSeeded(organizationId);
    return orm
      .select({ id: taskStatuses.id, name: taskStatuses.name, color: taskStatuses.color, type: taskStatuses.type, position: taskStatuses.position })
      .from(taskStatuses)
      .where(eq(taskStatuses.organizationId, organizationId))
      .orderBy(asc(taskStatuses.position), asc(taskStatuses.name));
  }

  return {
    ensureSeeded,
    /** The organization's statuses in board order. */
    listFor: (actor: Actor) => list(actor.organizationId),
    /** One status of the organization, or undefined when the id belongs to none of its statuses. */
    async find(organizationId: string, statusId: string): Promise<TaskStatus | undefined> {
      await ensureSeeded(organizationId);
      const rows = await orm
        .select({ id: taskStatuses.id, name: taskStatuses.name, color: taskStatuses.color, type: taskStatuses.type, position: taskStatuses.position })
        .from(taskStatuses)
        .where(and(eq(taskStatuses.organizationId, organizationId), eq(taskStatuses.id, statusId)));
      return rows[0];
    },
    /** The first status of a type in board order (the default status of a new task is the first `backlog`). */
    async firstOfType(organizationId: string, type: StatusType): Promise<TaskStatus | undefined> {
      return (await list(organizationId)).find((status) => status.type === type);
    },
  };
}

export type StatusService = ReturnType<typeof createStatusService>;
