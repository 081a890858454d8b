import * as v from "valibot";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";

export const automationsGetPrompt = defineTool({
  name: "automations_get_prompt",
  description:
    "Get the full prompt (markdown) an automation gives its agent. Returns {result: {id, prompt, version, updatedAt}}, or {result: null} when no such automation exists; version counts the kept versions of the prompt.",
  input: v.strictObject({ id: uuid() }),
  output: v.object({ result: v.nullable(v.object({ id: v.string(), prompt: v.string(), version: v.number(), updatedAt: v.string() })) }),
  annotations: { title: "Get an automation's prompt", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ id }, { services, actor }) {
    return { result: await services.automations.getPrompt(actor, id) };
  },
});
