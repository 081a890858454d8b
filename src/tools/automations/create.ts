import * as v from "valibot";
import { defineTool } from "../types.ts";
import { automationFields, automationWithPromptOutput, prompt, SCHEDULE_HELP } from "./schemas.ts";

export const automationsCreate = defineTool({
  name: "automations_create",
  description: `Schedule a recurring agent run: agent (a preset id from agents_list, such as claude or codex) runs prompt on a host at every occurrence of the schedule. ${SCHEDULE_HELP} dtstart (default now) is when the schedule begins. Returns {automation} with nextRunAt and scheduleText; check them with the user.`,
  input: v.strictObject({
    name: automationFields.name,
    prompt: prompt(),
    agent: automationFields.agent,
    targetHostId: automationFields.targetHostId,
    v2ProjectId: automationFields.v2ProjectId,
    v2WorkspaceId: automationFields.v2WorkspaceId,
    rrule: automationFields.rrule,
    dtstart: automationFields.dtstart,
    timezone: automationFields.timezone,
  }),
  output: v.object({ automation: automationWithPromptOutput }),
  annotations: { title: "Create an automation", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async handler(args, { services, actor, hosts }) {
    return {
      automation: await services.automations.create(
        actor,
        args,
        hosts.presets.map((preset) => preset.id),
      ),
    };
  },
});
