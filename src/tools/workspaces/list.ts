import * as v from "valibot";
import { defineTool } from "../types.ts";
import { findHost, isHostOnline, onHost, workspaceView } from "../hosts/on-host.ts";
import { hostIdInput, hostListOutput, workspaceOutput } from "../hosts/schemas.ts";

export const workspacesList = defineTool({
  name: "workspaces_list",
  description:
    "List the workspaces on a host (hostId from hosts_list): each project's main folder, git worktrees (one per branch) and session folders, with worktreeExists saying whether the folder is still there. While the host is briefly offline the answer is the server's last-known list (source: last_known, asOf: when it was taken).",
  input: v.strictObject({ hostId: hostIdInput() }),
  output: hostListOutput(workspaceOutput),
  annotations: { title: "List workspaces on a host", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cacheable: false,
  async handler({ hostId }, context) {
    const host = await findHost(context, hostId);
    if (await isHostOnline(context, host)) {
      const { projects, workspaces } = await onHost(context, host, "inventory", {});
      const nameOf = (projectId: string | null) => projects.find((project) => project.id === projectId)?.name ?? null;
      return { result: workspaces.map((workspace) => workspaceView(host, workspace, nameOf(workspace.projectId))), nextOffset: null, source: "host" as const, asOf: new Date().toISOString() };
    }
    const records = await context.services.hosts.listWorkspaces(host);
    return { result: records.map((record) => workspaceView(host, record, record.projectName)), nextOffset: null, source: "last_known" as const, asOf: host.lastSeenAt };
  },
});
