import * as v from "valibot";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { automationFields, automationWithPromptOutput, SCHEDULE_HELP } from "./schemas.ts";

export const automationsUpdate = defineTool({
  name: "automations_update",
  description: `Change an automation's name, agent, host, project, workspace or schedule; keys left out stay as they are, and null unpins (targetHostId null: any online host of the owner; v2ProjectId null: a fresh session folder each run). A changed schedule takes its next run from now. ${SCHEDULE_HELP} The prompt changes with automations_set_prompt. Only the owner or an organization admin may change it. Returns {automation}.`,
  input: v.pipe(
    v.strictObject({
      id: uuid(),
      name: v.optional(automationFields.name),
      agent: v.optional(automationFields.agent),
      targetHostId: automationFields.targetHostId,
      v2ProjectId: automationFields.v2ProjectId,
      v2WorkspaceId: automationFields.v2WorkspaceId,
      rrule: v.optional(automationFields.rrule),
      dtstart: automationFields.dtstart,
      timezone: v.optional(automationFields.timezone),
    }),
    v.check((args) => Object.keys(args).some((key) => key !== "id"), "give at least one field to change besides id"),
  ),
  output: v.object({ automation: automationWithPromptOutput }),
  annotations: { title: "Change an automation", readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ id, ...fields }, { services, actor, hosts }) {
    return {
      automation: await services.automations.update(
        actor,
        id,
        fields,
        hosts.presets.map((preset) => preset.id),
      ),
    };
  },
});
