import * as v from "valibot";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { automationOutput } from "./schemas.ts";

export const automationsGet = defineTool({
  name: "automations_get",
  description:
    "Get one automation's settings and schedule by id, without its prompt (automations_get_prompt has it). Returns {result: automation}, or {result: null} when no such automation exists in the organization.",
  input: v.strictObject({ id: uuid() }),
  output: v.object({ result: v.nullable(automationOutput) }),
  annotations: { title: "Get an automation", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ id }, { services, actor }) {
    return { result: await services.automations.get(actor, id) };
  },
});
