/**
 * workspace.mcpConfig: the MCP servers configured in a workspace's folder, read with
 * src/mcp-config (read-only, never outside the folder, symlinks out refused, secrets redacted).
 */
import type { CommandParams, CommandResult } from "../../hosts/protocol.ts";
import { McpConfigFolderError, readMcpConfig } from "../../mcp-config/read.ts";
import type { AgentState } from "../state.ts";
import { CommandError, type CommandHandler } from "../types.ts";
import { requireWorkspace } from "./terminals.ts";

/** The handler of workspace.mcpConfig. */
export function mcpConfigCommands(deps: { state: AgentState }): { "workspace.mcpConfig": CommandHandler<CommandParams<"workspace.mcpConfig">, CommandResult<"workspace.mcpConfig">> } {
  return {
    async "workspace.mcpConfig"({ workspaceId }) {
      const workspace = requireWorkspace(deps.state, workspaceId);
      try {
        return readMcpConfig(workspace.worktreePath);
      } catch (error) {
        if (error instanceof McpConfigFolderError)
          throw new CommandError("not_found", `The folder of workspace ${workspaceId} (${workspace.worktreePath}) is gone; nothing to read. Delete the workspace or create it again.`);
        throw error;
      }
    },
  };
}
