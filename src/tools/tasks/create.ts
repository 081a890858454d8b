import * as v from "valibot";
import { dateTime, nullable, positiveInt, priority, uuid } from "../schemas.ts";
import { taskFields } from "./task-schema.ts";
import { defineTool } from "../types.ts";
import { taskOutput } from "./task-schema.ts";
import { LIMITS } from "../limits.ts";

export const tasksCreate = defineTool({
  name: "tasks_create",
  description:
    "Create a task in the organization. Only title is required; the status defaults to the first backlog status (see tasks_statuses_list) and the priority to none. assigneeId must be a member (see organization_members_list). Returns {task} with its slug.",
  input: v.strictObject({
    title: taskFields.title,
    description: nullable(taskFields.description),
    statusId: nullable(uuid()),
    priority: v.optional(priority(), "none"),
    assigneeId: nullable(uuid()),
    estimate: nullable(positiveInt(LIMITS.estimate)),
    dueDate: nullable(dateTime()),
    labels: nullable(taskFields.labels),
  }),
  output: v.object({ task: taskOutput }),
  annotations: { title: "Create a task", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async handler(args, { services, actor }) {
    return { task: await services.tasks.create(actor, args) };
  },
});
