/**
 * Contracts inside the host agent: the error every command handler throws for a failure the
 * caller can act on, and the terminal manager the workspace and agent handlers launch into.
 */
import type { CommandErrorCode, HostTerminal } from "../hosts/protocol.ts";

/** A failure the caller can act on: `message` is one sentence saying what was wrong and what to do. */
export class CommandError extends Error {
  constructor(
    readonly code: CommandErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

/** Reports progress of a long command (a clone): sent to the server as MCP progress notifications. */
export type ProgressReporter = (progress: number, total?: number, message?: string) => void;

/** How a terminal starts: an exact argument vector (never through a shell), a command line for the user's shell, or an interactive shell. */
export type TerminalLaunch = { kind: "argv"; argv: string[]; stdin?: string } | { kind: "shell"; commandLine: string } | { kind: "interactive" };

/** How a terminal ended: its program exited (by itself, or stopped with `kill`), or the terminal was closed while it ran. */
export type TerminalEnd = { exitCode: number } | { closed: true };

export interface CreateTerminalOptions {
  workspaceId: string;
  /** Absolute working directory, already checked to be inside the workspace. */
  cwd: string;
  launch: TerminalLaunch;
  label: string;
  env?: Record<string, string>;
  /** Gets every chunk of the program's raw output from the first byte (a copy, free to keep). */
  onOutput?(bytes: Uint8Array): void;
  /** Called once when the terminal ends, after the output the program wrote reached `onOutput`. */
  onEnd?(end: TerminalEnd): void;
}

/** Real pseudo-terminals rendered by a headless terminal emulator. */
export interface TerminalManager {
  create(options: CreateTerminalOptions): HostTerminal;
  get(terminalId: string): HostTerminal | undefined;
  list(workspaceId?: string): HostTerminal[];
  /** Types `text`; with `submit`, then presses Enter. */
  send(terminalId: string, text: string, submit: boolean): void;
  /** The screen a person would see (the alternate screen for full-screen programs), trailing blank rows trimmed. */
  read(terminalId: string, maxLines?: number): Promise<{ cols: number; rows: number; text: string }>;
  /** Resolves with the exit code, or null when `timeoutMs` passed first. */
  waitForExit(terminalId: string, timeoutMs: number): Promise<number | null>;
  /** Kills the terminal's whole session and forgets it. */
  close(terminalId: string): Promise<void>;
  /** Kills the terminal's whole session like close, but keeps it readable as exited until it is closed. */
  kill(terminalId: string): Promise<void>;
  closeWorkspace(workspaceId: string): Promise<void>;
  closeAll(): Promise<void>;
}

/**
 * Runs one command on the host; throws CommandError for a failure the caller can act on. A
 * handler that can stop midway watches `signal` (the server's `abort`): it kills what it started,
 * removes what it half made, and throws; one that cannot simply finishes.
 */
export type CommandHandler<P, R> = (params: P, progress: ProgressReporter, signal?: AbortSignal) => Promise<R>;

/** What an aborted handler throws; nobody reads it, as the agent answers nothing more for an aborted id. */
export const abortedError = () => new CommandError("failed", "The server aborted this command.");

/** Throws abortedError() once the server aborted the command. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}
