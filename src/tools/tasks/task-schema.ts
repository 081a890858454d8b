/** The task object as every task tool returns it (tools.md §Tasks), and the bounded fields tasks_create and tasks_update take. */
import * as v from "valibot";
import { TASK_PRIORITIES } from "../../db/schema/values.ts";
import { boundedArray, boundedText, LIMITS } from "../limits.ts";

/** The text fields of a task, bounded so that a stored task always fits an answer (limits.ts). */
export const taskFields = {
  title: boundedText(LIMITS.title, 1),
  description: boundedText(LIMITS.description),
  labels: boundedArray(boundedText(LIMITS.label), LIMITS.labels),
};

const nullableString = v.nullable(v.string());

export const taskOutput = v.object({
  id: v.string(),
  slug: v.string(),
  title: v.string(),
  description: nullableString,
  statusId: v.string(),
  priority: v.picklist(TASK_PRIORITIES),
  assigneeId: nullableString,
  creatorId: nullableString,
  estimate: v.nullable(v.number()),
  dueDate: nullableString,
  labels: v.nullable(v.array(v.string())),
  prUrl: nullableString,
  branch: nullableString,
  startedAt: nullableString,
  completedAt: nullableString,
  createdAt: v.string(),
  updatedAt: v.string(),
  organizationId: v.string(),
});
