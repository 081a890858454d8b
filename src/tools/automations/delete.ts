import * as v from "valibot";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";

export const automationsDelete = defineTool({
  name: "automations_delete",
  description:
    "Delete an automation with its schedule, its prompt versions and all its runs and their logs. Confirm with the user before calling (automations_pause stops it without losing anything). Only the owner or an organization admin may delete it. Returns {deleted: true, id}.",
  input: v.strictObject({ id: uuid() }),
  output: v.object({ deleted: v.literal(true), id: v.string() }),
  annotations: { title: "Delete an automation", readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  confirmation: ({ id }) => `Delete automation ${id} with its schedule, prompt versions, runs and logs? It cannot be restored (automations_pause keeps everything).`,
  async handler({ id }, { services, actor }) {
    return services.automations.delete(actor, id);
  },
});
