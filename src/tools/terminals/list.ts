import * as v from "valibot";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost } from "../hosts/on-host.ts";
import { hostIdInput } from "../hosts/schemas.ts";

export const terminalsList = defineTool({
  name: "terminals_list",
  description: "List the terminals of a workspace (hostId from hosts_list, workspaceId from workspaces_list), including agents' terminals, with whether each program has exited and its exit code.",
  input: v.strictObject({ hostId: hostIdInput(), workspaceId: uuid() }),
  output: v.object({
    sessions: v.array(v.object({ terminalId: v.string(), workspaceId: v.string(), createdAt: v.string(), exited: v.boolean(), exitCode: v.nullable(v.number()), title: v.string() })),
  }),
  annotations: { title: "List terminals", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cacheable: false,
  async handler({ hostId, workspaceId }, context) {
    const host = await findHost(context, hostId);
    return onHost(context, host, "terminal.list", { workspaceId });
  },
});
