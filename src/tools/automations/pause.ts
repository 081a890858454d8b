import * as v from "valibot";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { automationOutput } from "./schemas.ts";

export const automationsPause = defineTool({
  name: "automations_pause",
  description: "Pause an automation: its schedule stops firing (nextRunAt becomes null) until automations_resume; runs already going are not stopped. Returns {automation}.",
  input: v.strictObject({ id: uuid() }),
  output: v.object({ automation: automationOutput }),
  annotations: { title: "Pause an automation", readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ id }, { services, actor }) {
    return { automation: await services.automations.pause(actor, id) };
  },
});
