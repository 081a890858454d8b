/**
 * The rows of the task list as the driver gives them (db.prepareValues: arrays, no drizzle
 * mapping) and their decoding into TaskListItem, for both dialects: SQLite gives timestamps as
 * integer milliseconds and labels as JSON text, PostgreSQL gives Date objects and parsed JSON.
 * Column positions come from the select's own field names, so adding a column cannot shift them.
 */
import type { Tables } from "../db/client.ts";
import type { TaskPriority } from "../db/schema/values.ts";
import type { TaskListItem } from "./tasks.ts";

/** The fields the list selects: every task column and the names of the assignee, the creator and the status. */
type FieldName = keyof Tables["tasks"]["$inferSelect"] | "assigneeName" | "creatorName" | "statusName";

const isoOf = (value: unknown): string | null => (value === null ? null : (value instanceof Date ? value : new Date(value as number)).toISOString());
const jsonOf = (value: unknown): string[] | null => (value === null ? null : typeof value === "string" ? JSON.parse(value) : (value as string[]));

/** Decodes one array row of the list's select, whose fields (the keys of the object given to select()) are `fieldNames` in order. */
export function listItemDecoder(fieldNames: readonly string[]): (row: unknown[]) => TaskListItem {
  const at = (name: FieldName): number => {
    const index = fieldNames.indexOf(name);
    if (index < 0) throw new Error(`the task list select has no field ${name}`);
    return index;
  };
  const [
    id,
    organizationId,
    slug,
    title,
    description,
    statusId,
    priority,
    assigneeId,
    creatorId,
    estimate,
    dueDate,
    labels,
    prUrl,
    branch,
    startedAt,
    completedAt,
    createdAt,
    updatedAt,
    assigneeName,
    creatorName,
    statusName,
  ] = (
    [
      "id",
      "organizationId",
      "slug",
      "title",
      "description",
      "statusId",
      "priority",
      "assigneeId",
      "creatorId",
      "estimate",
      "dueDate",
      "labels",
      "prUrl",
      "branch",
      "startedAt",
      "completedAt",
      "createdAt",
      "updatedAt",
      "assigneeName",
      "creatorName",
      "statusName",
    ] as const
  ).map(at) as number[];
  return (row) => {
    const assigneeKey = row[assigneeId!] as string | null;
    const creatorKey = row[creatorId!] as string | null;
    return {
      task: {
        id: row[id!] as string,
        slug: row[slug!] as string,
        title: row[title!] as string,
        description: row[description!] as string | null,
        statusId: row[statusId!] as string,
        priority: row[priority!] as TaskPriority,
        assigneeId: assigneeKey,
        creatorId: creatorKey,
        estimate: row[estimate!] as number | null,
        dueDate: isoOf(row[dueDate!]),
        labels: jsonOf(row[labels!]),
        prUrl: row[prUrl!] as string | null,
        branch: row[branch!] as string | null,
        startedAt: isoOf(row[startedAt!]),
        completedAt: isoOf(row[completedAt!]),
        createdAt: isoOf(row[createdAt!])!,
        updatedAt: isoOf(row[updatedAt!])!,
        organizationId: row[organizationId!] as string,
      },
      assignee: assigneeKey && row[assigneeName!] !== null ? { id: assigneeKey, name: row[assigneeName!] as string } : null,
      creator: creatorKey && row[creatorName!] !== null ? { id: creatorKey, name: row[creatorName!] as string } : null,
      statusName: row[statusName!] as string,
    };
  };
}
