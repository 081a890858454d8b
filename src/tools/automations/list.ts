import * as v from "valibot";
import { listOutput } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { automationOutput } from "./schemas.ts";
import { boundedText, LIMITS } from "../limits.ts";

export const automationsList = defineTool({
  name: "automations_list",
  description:
    'List the organization\'s automations (scheduled agent runs) by name, without their prompts: schedule (rrule, timezone, scheduleText such as "Weekdays at 9:00"), agent, host, enabled and nextRunAt. name filters by a case-insensitive substring. Use automations_get_prompt for a prompt and automations_logs for runs.',
  input: v.strictObject({ name: v.optional(boundedText(LIMITS.search)) }),
  output: listOutput(automationOutput),
  annotations: { title: "List automations", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ name }, { services, actor }) {
    return { result: await services.automations.list(actor, { name }), nextOffset: null };
  },
});
