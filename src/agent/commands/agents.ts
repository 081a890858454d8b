/**
 * agent.list / agent.launch: coding agents from the presets the server sends, each started in a
 * terminal of its workspace as an argument vector (see agent-launch.ts). `launchAgent` is also how
 * workspace creation starts its agents; it reports failure as a value because the workspace exists.
 * `startAgent` throws instead: an automation run that cannot start its agent has failed.
 */
import type { CommandName, CommandParams, CommandResult, HostWorkspace, WirePreset } from "../../hosts/protocol.ts";
import { log } from "../../log.ts";
import { buildAgentLaunch, isCommandAvailable } from "../agent-launch.ts";
import { CommandError, type CommandHandler, type CreateTerminalOptions, type TerminalLaunch, type TerminalManager } from "../types.ts";
import { requireWorkspace, type TerminalDeps } from "./terminals.ts";

type AgentCommand = Extract<CommandName, "agent.list" | "agent.launch">;

/** What an agent starts with, and (for an automation run) who follows its terminal's output and end. */
export interface AgentStart extends Pick<CreateTerminalOptions, "onOutput" | "onEnd"> {
  prompt?: string;
  resumeSessionId?: string;
}

/**
 * The launch of `preset` once it is known to be able to start here: throws CommandError
 * "unavailable" when its program is not installed, "invalid" for a preset or prompt it cannot take.
 * Callers with slow work before the start (a run's workspace) check with this first.
 */
export function checkedAgentLaunch(preset: WirePreset, start: AgentStart = {}): TerminalLaunch {
  const launch = buildAgentLaunch(preset, start.prompt, start.resumeSessionId);
  // The preset's env may set PATH, and the program is looked up on the PATH it will run with.
  if (!isCommandAvailable(preset.command, preset.env.PATH ?? process.env.PATH)) {
    throw new CommandError("unavailable", `${preset.command} is not installed on this host (not found on its PATH); install it, or set the full path as the command of preset "${preset.id}".`);
  }
  return launch;
}

/**
 * Starts `preset` in a terminal of `workspace`; throws CommandError for a failure the caller can
 * act on (see checkedAgentLaunch).
 */
export function startAgent(terminals: TerminalManager, workspace: HostWorkspace, preset: WirePreset, start: AgentStart = {}): { sessionId: string; label: string } {
  const launch = checkedAgentLaunch(preset, start);
  const terminal = terminals.create({ workspaceId: workspace.id, cwd: workspace.worktreePath, launch, label: preset.label, env: preset.env, onOutput: start.onOutput, onEnd: start.onEnd });
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
    return { ok: true, ...startAgent(deps.terminals, workspace, preset, { prompt, resumeSessionId }) };
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
      const started = startAgent(deps.terminals, workspace, params.preset, { prompt: params.prompt, resumeSessionId: params.resumeSessionId });
      return { kind: "terminal", ...started };
    },
  };
}
