import * as v from "valibot";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";

export const tasksDelete = defineTool({
  name: "tasks_delete",
  description: "Delete a task by its UUID. Confirm with the user before calling: the task disappears from every list (its slug stays reserved). Returns {deleted: true, id}.",
  input: v.strictObject({ id: uuid() }),
  output: v.object({ deleted: v.literal(true), id: v.string() }),
  annotations: { title: "Delete a task", readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  confirmation: ({ id }) => `Delete task ${id}? It cannot be restored.`,
  async handler({ id }, { services, actor }) {
    return services.tasks.delete(actor, id);
  },
});
