/**
 * terminal.create / list / send / read / close: terminals in a workspace's folder. A terminal is
 * only reached through the workspace it belongs to, and its cwd never leaves that workspace.
 */
import type { CommandName, CommandParams, CommandResult, HostTerminal, HostWorkspace } from "../../hosts/protocol.ts";
import { resolveInside } from "../paths.ts";
import type { AgentState } from "../state.ts";
import { CommandError, type CommandHandler, type TerminalManager } from "../types.ts";

/** What the terminal and agent handlers need. */
export interface TerminalDeps {
  state: AgentState;
  terminals: TerminalManager;
}

type TerminalCommand = Extract<CommandName, "terminal.create" | "terminal.list" | "terminal.send" | "terminal.read" | "terminal.close">;

/** The workspace `workspaceId`, or CommandError("not_found") saying how to find one. */
export function requireWorkspace(state: AgentState, workspaceId: string): HostWorkspace {
  const workspace = state.workspace(workspaceId);
  if (!workspace) throw new CommandError("not_found", `Workspace "${workspaceId}" not found on this host; call workspaces_list.`);
  return workspace;
}

function requireTerminal(deps: TerminalDeps, workspaceId: string, terminalId: string): HostTerminal {
  requireWorkspace(deps.state, workspaceId);
  const terminal = deps.terminals.get(terminalId);
  // A terminal of another workspace is reported exactly like a missing one.
  if (!terminal || terminal.workspaceId !== workspaceId) {
    throw new CommandError("not_found", `Terminal "${terminalId}" not found in workspace ${workspaceId}; call terminals_list for its terminals.`);
  }
  return terminal;
}

/** A label for a command line: its first word ("npm run dev" → "npm"). */
function labelOf(commandLine: string): string {
  return commandLine.trim().split(/\s+/, 1)[0] ?? "terminal";
}

/** The handlers of the terminal.* commands. */
export function terminalCommands(deps: TerminalDeps): { [N in TerminalCommand]: CommandHandler<CommandParams<N>, CommandResult<N>> } {
  const { state, terminals } = deps;
  return {
    async "terminal.create"(params) {
      const workspace = requireWorkspace(state, params.workspaceId);
      const cwd = params.cwd === undefined || params.cwd.trim() === "" ? workspace.worktreePath : resolveInside(workspace.worktreePath, params.cwd);
      const command = params.command?.trim() ?? "";
      // A command is the user's own command line for their own machine, so it runs in their shell.
      const terminal = terminals.create({
        workspaceId: workspace.id,
        cwd,
        launch: command === "" ? { kind: "interactive" } : { kind: "shell", commandLine: command },
        label: command === "" ? "terminal" : labelOf(command),
      });
      return { terminalId: terminal.terminalId, status: "active" };
    },
    async "terminal.list"(params) {
      requireWorkspace(state, params.workspaceId);
      const sessions = terminals.list(params.workspaceId).map(({ terminalId, workspaceId, createdAt, exited, exitCode, title }) => ({ terminalId, workspaceId, createdAt, exited, exitCode, title }));
      return { sessions };
    },
    async "terminal.send"(params) {
      requireTerminal(deps, params.workspaceId, params.terminalId);
      terminals.send(params.terminalId, params.text, params.submit);
      return { terminalId: params.terminalId, submitted: params.submit };
    },
    async "terminal.read"(params) {
      requireTerminal(deps, params.workspaceId, params.terminalId);
      const screen = await terminals.read(params.terminalId, params.maxLines);
      return { terminalId: params.terminalId, ...screen };
    },
    async "terminal.close"(params) {
      requireTerminal(deps, params.workspaceId, params.terminalId);
      await terminals.close(params.terminalId);
      return { terminalId: params.terminalId, status: "disposed" };
    },
  };
}
