import * as v from "valibot";
import { requireRole } from "../../services/actor.ts";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost } from "../hosts/on-host.ts";
import { hostIdInput } from "../hosts/schemas.ts";
import { boundedText, LIMITS } from "../limits.ts";

export const terminalsCreate = defineTool({
  name: "terminals_create",
  description:
    "Open a terminal in a workspace (hostId from hosts_list, workspaceId from workspaces_list): runs command in the host user's shell, or an interactive shell when command is blank; cwd is a folder inside the workspace. Then use terminals_send and terminals_read.",
  input: v.strictObject({
    hostId: hostIdInput(),
    workspaceId: uuid(),
    command: v.optional(boundedText(LIMITS.command, 1)),
    cwd: v.optional(boundedText(LIMITS.path)),
  }),
  output: v.object({ terminalId: v.string(), status: v.literal("active") }),
  annotations: { title: "Open a terminal", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler({ hostId, workspaceId, command, cwd }, context) {
    requireRole(context.actor, "member", "open terminals");
    const host = await findHost(context, hostId);
    return onHost(context, host, "terminal.create", { workspaceId, ...(command?.trim() && { command }), ...(cwd && { cwd }) });
  },
});
