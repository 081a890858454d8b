import * as v from "valibot";
import { BUILTIN_AGENT_PRESETS } from "../../config/defaults.ts";
import { listOutput } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost } from "../hosts/on-host.ts";
import { hostIdInput } from "../hosts/schemas.ts";

export const agentsList = defineTool({
  name: "agents_list",
  description:
    "List the coding agents you can start on a host (hostId from hosts_list): built-in presets (claude, codex, gemini, opencode, amp, cursor-agent, copilot) and the server's own AGENT_PRESETS, with the command line each runs and available saying whether that program is installed on the host. Pass an id to agents_create or workspaces_create.",
  input: v.strictObject({ hostId: hostIdInput() }),
  output: listOutput(
    v.object({
      id: v.string(),
      presetId: v.nullable(v.string()),
      label: v.string(),
      command: v.string(),
      args: v.array(v.string()),
      promptTransport: v.picklist(["argv", "stdin"]),
      promptArgs: v.array(v.string()),
      resumeArgs: v.array(v.string()),
      env: v.record(v.string(), v.string()),
      available: v.boolean(),
    }),
  ),
  annotations: { title: "List agents", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cacheable: false,
  async handler({ hostId }, context) {
    const host = await findHost(context, hostId);
    const { agents } = await onHost(context, host, "agent.list", { presets: [...context.hosts.presets] });
    // presetId names the built-in preset an entry is or overrides; a custom agent has none.
    return { result: agents.map((agent) => ({ ...agent, presetId: agent.id in BUILTIN_AGENT_PRESETS ? agent.id : null })), nextOffset: null };
  },
});
