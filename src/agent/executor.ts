/**
 * The agent's executor: checks a command's params against its wire schema, then hands it to the
 * handler of its name. Handlers trust their params only because this is the one way in.
 */
import { resolve } from "node:path";
import * as v from "valibot";
import { COMMANDS, type CommandName, type CommandParams, type CommandResult, type Inventory } from "../hosts/protocol.ts";
import { agentCommands } from "./commands/agents.ts";
import { mcpConfigCommands } from "./commands/mcp-config.ts";
import { projectCommands } from "./commands/projects.ts";
import { runCommands } from "./commands/runs.ts";
import { terminalCommands } from "./commands/terminals.ts";
import { workspaceCommands } from "./commands/workspaces.ts";
import type { RunTracker } from "./run-tracker.ts";
import type { AgentState } from "./state.ts";
import { CommandError, type CommandHandler, type ProgressReporter, type TerminalManager } from "./types.ts";

/** What the executor works on. */
export interface ExecutorDeps {
  dataDir: string;
  state: AgentState;
  terminals: TerminalManager;
  /** Follows automation runs to their reports. */
  runs: RunTracker;
}

type Handlers = { [N in CommandName]: CommandHandler<CommandParams<N>, CommandResult<N>> };

/** Runs commands by name; `inventory()` is what the agent reports in hello and after each change. */
export function createExecutor(deps: ExecutorDeps) {
  const dataDir = resolve(deps.dataDir);
  const { state, terminals, runs } = deps;

  async function inventory(): Promise<Inventory> {
    return { projects: state.projects(), workspaces: state.workspaces(), terminals: terminals.list() };
  }

  const handlers: Handlers = {
    inventory: () => inventory(),
    ...projectCommands({ dataDir, state }),
    ...workspaceCommands({ dataDir, state, terminals }),
    ...mcpConfigCommands({ state }),
    ...terminalCommands({ state, terminals }),
    ...agentCommands({ state, terminals }),
    ...runCommands({ dataDir, state, terminals, runs }),
  };

  return {
    /** Validates `params` for `name` and runs its handler (which may stop early once `signal` aborts); invalid params throw CommandError("invalid"). */
    async run(name: CommandName, params: unknown, progress: ProgressReporter, signal?: AbortSignal): Promise<unknown> {
      const command = COMMANDS[name];
      if (!command) throw new CommandError("invalid", `Unknown command ${String(name)}; update the host agent to the server's version.`);
      const parsed = v.safeParse(command.params, params);
      if (!parsed.success) {
        const issues = parsed.issues.map((issue) => `${v.getDotPath(issue) ?? "params"}: ${issue.message}`).join("; ");
        throw new CommandError("invalid", `Invalid parameters for ${name}: ${issues}.`);
      }
      const handler = handlers[name] as CommandHandler<unknown, unknown>;
      return handler(parsed.output, progress, signal);
    },
    inventory,
  };
}

/** The executor as the agent uses it. */
export type Executor = ReturnType<typeof createExecutor>;
