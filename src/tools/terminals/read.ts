import * as v from "valibot";
import { freeId, positiveInt, uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost } from "../hosts/on-host.ts";
import { hostIdInput } from "../hosts/schemas.ts";
import { LIMITS } from "../limits.ts";

export const terminalsRead = defineTool({
  name: "terminals_read",
  description:
    "Read a terminal's screen as a person would see it (ids from terminals_list): the visible rows, or the full-screen view of programs such as editors, with trailing blank rows removed. maxLines returns only the last lines, including scrollback.",
  input: v.strictObject({ hostId: hostIdInput(), workspaceId: uuid(), terminalId: freeId(), maxLines: v.optional(positiveInt(LIMITS.lines)) }),
  output: v.object({ terminalId: v.string(), cols: v.number(), rows: v.number(), text: v.string() }),
  annotations: { title: "Read a terminal", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cacheable: false,
  async handler({ hostId, workspaceId, terminalId, maxLines }, context) {
    const host = await findHost(context, hostId);
    return onHost(context, host, "terminal.read", { workspaceId, terminalId, ...(maxLines && { maxLines }) });
  },
});
