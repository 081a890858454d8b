import * as v from "valibot";
import { STATUS_TYPES } from "../../db/schema/values.ts";
import { defineTool } from "../types.ts";

export const tasksStatusesList = defineTool({
  name: "tasks_statuses_list",
  description: "List the organization's task statuses in board order, with the id to pass as statusId to tasks_list, tasks_create and tasks_update.",
  input: v.strictObject({}),
  output: v.object({
    statuses: v.array(v.object({ id: v.string(), name: v.string(), color: v.string(), type: v.picklist(STATUS_TYPES), position: v.number() })),
  }),
  annotations: { title: "List task statuses", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(_args, { services, actor }) {
    return { statuses: await services.statuses.listFor(actor) };
  },
});
