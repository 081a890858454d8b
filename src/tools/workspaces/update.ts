import * as v from "valibot";
import { requireRole } from "../../services/actor.ts";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost, workspaceView } from "../hosts/on-host.ts";
import { hostIdInput, workspaceOutput } from "../hosts/schemas.ts";
import { boundedText, LIMITS } from "../limits.ts";

export const workspacesUpdate = defineTool({
  name: "workspaces_update",
  description: "Rename a workspace on a host (hostId from hosts_list, id from workspaces_list). Only the name changes; the branch and folder stay.",
  input: v.strictObject({ hostId: hostIdInput(), id: uuid(), name: boundedText(LIMITS.name, 1) }),
  output: workspaceOutput,
  annotations: { title: "Rename a workspace", readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ hostId, id, name }, context) {
    requireRole(context.actor, "member", "rename workspaces");
    const host = await findHost(context, hostId);
    const { workspace } = await onHost(context, host, "workspace.update", { id, name });
    await context.services.hosts.saveWorkspace(host, workspace, new Date());
    const project = workspace.projectId ? await context.services.hosts.findProject(host, workspace.projectId) : null;
    return workspaceView(host, workspace, project?.name ?? null);
  },
});
