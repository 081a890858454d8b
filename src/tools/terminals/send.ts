import * as v from "valibot";
import { requireRole } from "../../services/actor.ts";
import { freeId, uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost } from "../hosts/on-host.ts";
import { hostIdInput } from "../hosts/schemas.ts";
import { boundedText, LIMITS } from "../limits.ts";

export const terminalsSend = defineTool({
  name: "terminals_send",
  description:
    "Type text into a terminal (ids from terminals_list); with submit (the default) Enter is pressed after it, so a shell runs it as a command or an agent receives it as a message. Read the effect with terminals_read.",
  input: v.strictObject({
    hostId: hostIdInput(),
    workspaceId: uuid(),
    terminalId: freeId(),
    text: boundedText(LIMITS.prompt, 1),
    submit: v.optional(v.boolean(), true),
  }),
  output: v.object({ terminalId: v.string(), submitted: v.boolean() }),
  annotations: { title: "Type into a terminal", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler({ hostId, workspaceId, terminalId, text, submit }, context) {
    requireRole(context.actor, "member", "type into terminals");
    const host = await findHost(context, hostId);
    return onHost(context, host, "terminal.send", { workspaceId, terminalId, text, submit });
  },
});
