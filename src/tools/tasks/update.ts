import * as v from "valibot";
import { dateTime, nullable, positiveInt, priority, storableText, uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { taskOutput } from "./task-schema.ts";

export const tasksUpdate = defineTool({
  name: "tasks_update",
  description:
    "Change fields of a task by its UUID (get it from tasks_list or tasks_get). Only the fields given are written; null clears a field. Moving into a started status sets startedAt, into a completed one sets completedAt. Returns {task}.",
  input: v.pipe(
    v.strictObject({
      id: uuid(),
      title: v.optional(v.pipe(storableText(), v.minLength(1))),
      description: nullable(storableText()),
      statusId: v.optional(uuid()),
      priority: v.optional(priority()),
      assigneeId: nullable(uuid()),
      prUrl: nullable(v.pipe(v.string(), v.url())),
      estimate: nullable(positiveInt()),
      dueDate: nullable(dateTime()),
      labels: nullable(v.array(storableText())),
    }),
    v.check((args) => Object.keys(args).some((key) => key !== "id"), "give at least one field to change besides id"),
  ),
  output: v.object({ task: taskOutput }),
  annotations: { title: "Update a task", readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ id, ...fields }, { services, actor }) {
    return { task: await services.tasks.update(actor, id, fields) };
  },
});
