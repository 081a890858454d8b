import * as v from "valibot";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { automationOutput } from "./schemas.ts";

export const automationsResume = defineTool({
  name: "automations_resume",
  description: "Resume a paused automation. Its next run is computed from now: occurrences missed while it was paused are not fired. Returns {automation} with nextRunAt.",
  input: v.strictObject({ id: uuid() }),
  output: v.object({ automation: automationOutput }),
  annotations: { title: "Resume an automation", readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ id }, { services, actor }) {
    return { automation: await services.automations.resume(actor, id) };
  },
});
