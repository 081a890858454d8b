/**
 * A workspace's setup and teardown: `.superset/setup.sh` / `.superset/teardown.sh`, else the
 * `setup` / `teardown` command lists of `.superset/config.json`, looked up in the workspace folder
 * and then in the project's main folder (where an uncommitted `.superset/` lives).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { HostWorkspace } from "../hosts/protocol.ts";
import { abortedError, throwIfAborted, type ProgressReporter, type TerminalLaunch, type TerminalManager } from "./types.ts";

/** Which script: runs after a workspace is made, or before it is deleted. */
export type ScriptKind = "setup" | "teardown";

/** How long each script may run before the agent stops waiting for it. */
export const SCRIPT_TIMEOUT_MS: Record<ScriptKind, number> = { setup: 10 * 60_000, teardown: 2 * 60_000 };
const PROGRESS_INTERVAL_MS = 5_000;

function configCommands(folder: string, kind: ScriptKind): string[] | undefined {
  const path = join(folder, ".superset", "config.json");
  if (!existsSync(path)) return undefined;
  try {
    const config = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    const commands = config[kind];
    if (!Array.isArray(commands)) return undefined;
    const lines = commands.filter((line): line is string => typeof line === "string" && line.trim() !== "");
    return lines.length > 0 ? lines : undefined;
  } catch {
    // An unreadable config means no script, as the project did not tell us anything usable.
    return undefined;
  }
}

/** The launch of `kind` for a workspace folder, or undefined when the project defines none. */
export function findScript(workspacePath: string, projectPath: string | undefined, kind: ScriptKind): TerminalLaunch | undefined {
  const folders = projectPath && projectPath !== workspacePath ? [workspacePath, projectPath] : [workspacePath];
  for (const folder of folders) {
    const script = join(folder, ".superset", `${kind}.sh`);
    if (existsSync(script)) {
      return { kind: "argv", argv: ["bash", folder === workspacePath ? join(".superset", `${kind}.sh`) : script] };
    }
    // The commands come from the repository's own file, as the user's own shell would run them.
    const commands = configCommands(folder, kind);
    if (commands) return { kind: "shell", commandLine: commands.join(" && ") };
  }
  return undefined;
}

/** What running a script came to: its terminal, and its exit code (null when it did not finish in time). */
export interface ScriptOutcome {
  terminalId: string;
  label: string;
  exitCode: number | null;
}

/**
 * Runs `kind` in a terminal labelled with its kind and waits for it, reporting progress; undefined
 * when there is no script. When `signal` aborts, the terminal's whole session (the script and
 * every process it started) is killed and this throws.
 */
export async function runWorkspaceScript(
  terminals: TerminalManager,
  workspace: HostWorkspace,
  projectPath: string | undefined,
  kind: ScriptKind,
  progress: ProgressReporter,
  signal?: AbortSignal,
): Promise<ScriptOutcome | undefined> {
  const launch = findScript(workspace.worktreePath, projectPath, kind);
  if (!launch) return undefined;
  throwIfAborted(signal);
  const env: Record<string, string> = { SUPERSET_WORKSPACE_NAME: workspace.name, SUPERSET_WORKSPACE_PATH: workspace.worktreePath };
  if (projectPath) env.SUPERSET_ROOT_PATH = projectPath;
  const terminal = terminals.create({ workspaceId: workspace.id, cwd: workspace.worktreePath, launch, label: kind, env });
  const timeoutMs = SCRIPT_TIMEOUT_MS[kind];
  const startedAt = Date.now();
  progress(0, timeoutMs / 1000, `Running ${kind} in terminal ${terminal.terminalId}`);
  const aborted = new Promise<"aborted">((resolve) => signal?.addEventListener("abort", () => resolve("aborted"), { once: true }));
  for (;;) {
    const leftMs = timeoutMs - (Date.now() - startedAt);
    if (leftMs <= 0) return { terminalId: terminal.terminalId, label: kind, exitCode: null };
    const exitCode = await Promise.race([terminals.waitForExit(terminal.terminalId, Math.min(PROGRESS_INTERVAL_MS, leftMs)), aborted]);
    if (exitCode === "aborted") {
      await terminals.kill(terminal.terminalId);
      throw abortedError();
    }
    const elapsedSeconds = Math.round((Date.now() - startedAt) / 1000);
    if (exitCode !== null) {
      progress(timeoutMs / 1000, timeoutMs / 1000, `${kind} exited with code ${exitCode} after ${elapsedSeconds} s`);
      return { terminalId: terminal.terminalId, label: kind, exitCode };
    }
    progress(elapsedSeconds, timeoutMs / 1000, `${kind} still running (${elapsedSeconds} s)`);
  }
}
