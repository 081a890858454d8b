import * as v from "valibot";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost } from "../hosts/on-host.ts";
import { hostIdInput } from "../hosts/schemas.ts";

const server = v.object({
  name: v.string(),
  transport: v.picklist(["local", "remote"]),
  target: v.string(),
  state: v.picklist(["enabled", "disabled", "invalid"]),
  reason: v.nullable(v.string()),
  file: v.string(),
  client: v.string(),
  headers: v.record(v.string(), v.string()),
  env: v.record(v.string(), v.string()),
});

export const workspacesMcpConfigList = defineTool({
  name: "workspaces_mcp_config_list",
  description:
    "List the MCP servers configured in a workspace's folder on a host (hostId from hosts_list, workspaceId from workspaces_list), as the /mcp chat command shows them: from .mcp.json, .amp/settings.json, .mastracode/mcp.json, .cursor/mcp.json, .gemini/settings.json, opencode.json and .codex/config.toml, each with its transport (local command or remote URL), target, state (enabled, disabled, or invalid with the reason) and file. Header and environment values are redacted. problems names config files that could not be read (not parseable, too large, a link out of the workspace).",
  input: v.strictObject({ hostId: hostIdInput(), workspaceId: uuid() }),
  output: v.object({ servers: v.array(server), problems: v.array(v.object({ file: v.string(), client: v.string(), reason: v.string() })) }),
  annotations: { title: "List a workspace's MCP servers", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  // The files change on the host without any write through this server.
  cacheable: false,
  async handler({ hostId, workspaceId }, context) {
    const host = await findHost(context, hostId);
    return onHost(context, host, "workspace.mcpConfig", { workspaceId });
  },
});
