import * as v from "valibot";
import { dateTime, nullable, positiveInt, priority, uuid } from "../schemas.ts";
import { taskFields } from "./task-schema.ts";
import { defineTool } from "../types.ts";
import { taskOutput } from "./task-schema.ts";
import { boundedText, LIMITS } from "../limits.ts";

export const tasksUpdate = defineTool({
  name: "tasks_update",
  description:
    "Change fields of a task by its UUID (get it from tasks_list or tasks_get). Only the fields given are written; null clears a field. Moving into a started status sets startedAt, into a completed one sets completedAt. Returns {task}.",
  input: v.pipe(
    v.strictObject({
      id: uuid(),
      title: v.optional(taskFields.title),
      description: nullable(taskFields.description),
      statusId: v.optional(uuid()),
      priority: v.optional(priority()),
      assigneeId: nullable(uuid()),
      prUrl: nullable(v.pipe(boundedText(LIMITS.url), v.url("must be a URL"))),
      estimate: nullable(positiveInt(LIMITS.estimate)),
      dueDate: nullable(dateTime()),
      labels: nullable(taskFields.labels),
    }),
    v.check((args) => Object.keys(args).some((key) => key !== "id"), "give at least one field to change besides id"),
  ),
  output: v.object({ task: taskOutput }),
  annotations: { title: "Update a task", readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ id, ...fields }, { services, actor }) {
    return { task: await services.tasks.update(actor, id, fields) };
  },
});
