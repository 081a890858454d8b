import * as v from "valibot";
import { listOutput, nullable, priority, uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { taskOutput } from "./task-schema.ts";
import { boundedInt, boundedText, LIMITS } from "../limits.ts";

const person = v.nullable(v.object({ id: v.string(), name: v.string() }));

export const tasksList = defineTool({
  name: "tasks_list",
  description:
    "List tasks of the organization, newest first, with assignee, creator and status name. Filter by statusId (from tasks_statuses_list), priority, assigneeId (from organization_members_list), assigneeMe, creatorMe, or search (words or fragments of the title or description). Page with limit and offset; nextOffset is the offset of the next page or null.",
  input: v.strictObject({
    statusId: nullable(uuid()),
    priority: nullable(priority()),
    assigneeId: nullable(uuid()),
    assigneeMe: nullable(v.boolean()),
    creatorMe: nullable(v.boolean()),
    search: nullable(boundedText(LIMITS.search, 1)),
    limit: v.optional(boundedInt(1, 500), 50),
    offset: v.optional(boundedInt(0, LIMITS.offset), 0),
  }),
  output: listOutput(v.object({ task: taskOutput, assignee: person, creator: person, statusName: v.string() })),
  annotations: { title: "List tasks", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(args, { services, actor }) {
    const { items, nextOffset } = await services.tasks.list(actor, args);
    return { result: items, nextOffset };
  },
});
