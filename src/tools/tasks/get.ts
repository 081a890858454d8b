import * as v from "valibot";
import { freeId } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { taskOutput } from "./task-schema.ts";

export const tasksGet = defineTool({
  name: "tasks_get",
  description: 'Get one task by its UUID or its slug (such as "fix-login-bug"). Returns {result: task}, or {result: null} when no such task exists in the organization.',
  input: v.strictObject({ idOrSlug: freeId() }),
  output: v.object({ result: v.nullable(taskOutput) }),
  annotations: { title: "Get a task", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ idOrSlug }, { services, actor }) {
    return { result: await services.tasks.get(actor, idOrSlug) };
  },
});
