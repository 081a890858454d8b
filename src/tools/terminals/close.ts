import * as v from "valibot";
import { requireRole } from "../../services/actor.ts";
import { freeId, uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost } from "../hosts/on-host.ts";
import { hostIdInput } from "../hosts/schemas.ts";

export const terminalsClose = defineTool({
  name: "terminals_close",
  description: "Close a terminal (ids from terminals_list): the program in it and everything it started are killed. Confirm with the user first when an agent is still working in it.",
  input: v.strictObject({ hostId: hostIdInput(), workspaceId: uuid(), terminalId: freeId() }),
  output: v.object({ terminalId: v.string(), status: v.literal("disposed") }),
  annotations: { title: "Close a terminal", readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  confirmation: ({ terminalId, workspaceId }) => `Close terminal ${terminalId} in workspace ${workspaceId}? The program in it and everything it started are killed.`,
  async handler({ hostId, workspaceId, terminalId }, context) {
    requireRole(context.actor, "member", "close terminals");
    const host = await findHost(context, hostId);
    return onHost(context, host, "terminal.close", { workspaceId, terminalId });
  },
});
