import * as v from "valibot";
import { requireRole } from "../../services/actor.ts";
import { invalid } from "../../services/errors.ts";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost } from "../hosts/on-host.ts";
import { hostIdInput } from "../hosts/schemas.ts";
import { findPreset } from "../workspaces/create.ts";
import { boundedArray, boundedText, LIMITS } from "../limits.ts";

export const agentsCreate = defineTool({
  name: "agents_create",
  description:
    "Start a coding agent in a new terminal of a workspace (hostId from hosts_list, workspaceId from workspaces_list, agent from agents_list), with an optional prompt; resumeSessionId resumes an earlier agent session where the preset supports it. The prompt reaches the agent as one argument, exactly as given. Returns the terminal's id as sessionId: read it with terminals_read.",
  input: v.strictObject({
    hostId: hostIdInput(),
    workspaceId: uuid(),
    agent: boundedText(LIMITS.name, 1),
    prompt: v.optional(boundedText(LIMITS.prompt)),
    resumeSessionId: v.optional(boundedText(LIMITS.id, 1)),
    attachmentIds: v.optional(boundedArray(uuid(), LIMITS.attachments)),
  }),
  output: v.object({ kind: v.literal("terminal"), sessionId: v.string(), label: v.string() }),
  annotations: { title: "Start an agent", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler({ hostId, workspaceId, agent, prompt, resumeSessionId, attachmentIds }, context) {
    requireRole(context.actor, "member", "start agents");
    if (attachmentIds?.length) throw invalid("Attachments are not stored by this server; put their content in the prompt instead.");
    const preset = findPreset(context, agent);
    if (typeof preset === "string") throw invalid(preset);
    const host = await findHost(context, hostId);
    return onHost(context, host, "agent.launch", { workspaceId, preset, ...(prompt && { prompt }), ...(resumeSessionId && { resumeSessionId }) });
  },
});
