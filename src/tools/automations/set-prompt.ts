import * as v from "valibot";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { automationWithPromptOutput, prompt } from "./schemas.ts";

export const automationsSetPrompt = defineTool({
  name: "automations_set_prompt",
  description:
    "Replace an automation's whole prompt (markdown, up to 100,000 characters); the next run uses it. Earlier prompts are kept as versions (quick successive edits by one person count as one). Only the owner or an organization admin may change it. Returns {automation} with the prompt.",
  input: v.strictObject({ id: uuid(), prompt: prompt() }),
  output: v.object({ automation: automationWithPromptOutput }),
  annotations: { title: "Set an automation's prompt", readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ id, prompt: text }, { services, actor }) {
    return { automation: await services.automations.setPrompt(actor, id, text) };
  },
});
