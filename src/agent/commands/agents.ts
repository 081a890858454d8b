/**
 * agent.list / agent.launch: coding agents from the presets the server sends, each started in a
 * terminal of its workspace as an argument vector (see agent-launch.ts). `launchAgent` is also how
 * workspace creation starts its agents; it reports failure as a value because the workspace exists.
 */
import type { CommandName, CommandParams, CommandResult, HostWorkspace, WirePreset } from "../../hosts/protocol.ts";
import { log } from "../../log.ts";
import { buildAgentLaunch, isCommandAvailable } from "../agent-launch.ts";
import { CommandError, type CommandHandler, type TerminalManager } from "../types.ts";
import { requireWorkspace, type TerminalDeps } from "./terminals.ts";

type AgentCommand = Extract<CommandName, "agent.list" | "agent.launch">;

/** Starts `preset` in a terminal of `workspace`; throws CommandError for a failure the caller can act on. */
function startAgent(terminals: TerminalManager, workspace: HostWorkspace, preset: WirePreset, prompt?: string, resumeSessionId?: string): { sessionId: string; label: string } {
  const launch = buildAgentLaunch(preset, prompt, resumeSessionId);
  // The preset's env may set PATH, and the program is looked up on the PATH it will run with.
  if (!isCommandAvailable(preset.command, preset.env.PATH ?? process.env.PATH)) {
    throw new CommandError("unavailable", `${preset.command} is not installed on this host (not found on its PATH); install it, or set the full path as the command of preset "${preset.id}".`);
  }
  const terminal = terminals.create({ workspaceId: workspace.id, cwd: workspace.worktreePath, launch, label: preset.label, env: preset.env });
  return { sessionId: terminal.terminalId, label: preset.label };
}

/** Starts `preset` in a terminal of `workspace`; never throws: a failure is `{ok: false, error}` with one sentence. */
export function launchAgent(
  deps: TerminalDeps,
  workspace: HostWorkspace,
  preset: WirePreset,
  prompt?: string,
  resumeSessionId?: string,
): { ok: true; sessionId: string; label: string } | { ok: false; error: string } {
  try {
    return { ok: true, ...startAgent(deps.terminals, workspace, preset, prompt, resumeSessionId) };
  } catch (error) {
    if (error instanceof CommandError) return { ok: false, error: error.message };
    log.error("agent launch failed", { preset: preset.id, error: error instanceof Error ? error.stack : String(error) });
    return { ok: false, error: `${preset.label} could not be started on this host; see the host agent's log.` };
  }
}

/** The handlers of agent.list and agent.launch. */
export function agentCommands(deps: TerminalDeps): { [N in AgentCommand]: CommandHandler<CommandParams<N>, CommandResult<N>> } {
  return {
    async "agent.list"(params) {
      return { agents: params.presets.map((preset) => ({ ...preset, available: isCommandAvailable(preset.command, preset.env.PATH ?? process.env.PATH) })) };
    },
    async "agent.launch"(params) {
      const workspace = requireWorkspace(deps.state, params.workspaceId);
      const started = startAgent(deps.terminals, workspace, params.preset, params.prompt, params.resumeSessionId);
      return { kind: "terminal", ...started };
    },
  };
}
