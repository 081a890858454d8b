import * as v from "valibot";
import { requireRole } from "../../services/actor.ts";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost } from "../hosts/on-host.ts";
import { hostIdInput } from "../hosts/schemas.ts";

export const workspacesDelete = defineTool({
  name: "workspaces_delete",
  description:
    "Delete a worktree or session workspace on a host: runs its teardown script, kills its terminals and removes its folder (uncommitted changes there are lost; the branch is kept). Confirm with the user first. A project's main workspace cannot be deleted.",
  input: v.strictObject({ hostId: hostIdInput(), id: uuid() }),
  output: v.object({ success: v.boolean(), worktreeRemoved: v.boolean(), branchDeleted: v.literal(false), warnings: v.array(v.string()) }),
  annotations: { title: "Delete a workspace", readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  confirmation: ({ hostId, id }) => `Delete workspace ${id} on host ${hostId}? Its terminals are killed and its folder removed; uncommitted changes there are lost (the branch is kept).`,
  async handler({ hostId, id }, context) {
    requireRole(context.actor, "member", "delete workspaces");
    const host = await findHost(context, hostId);
    const answer = await onHost(context, host, "workspace.delete", { id });
    await context.services.hosts.archiveWorkspace(host, id, new Date());
    return answer;
  },
});
