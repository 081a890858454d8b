/**
 * The host agent's terminals: real pseudo-terminals (Bun.spawn with `terminal`) whose output feeds
 * a headless xterm, so a read returns the screen a person would see. Each child is a session
 * leader, so closing a terminal ends everything it started. A terminal that exits stays readable
 * (exited, exitCode) until it is closed. Its creator may follow its raw output and learn how it
 * ended (`onOutput`, `onEnd`): that is how an automation run captures its output and reports.
 *
 * A program that is not installed makes `create` throw CommandError("failed", "… not found on this
 * host's PATH …") rather than open a terminal that only shows the error: callers then get one
 * sentence to act on (agent launches turn it into `{ok: false, error}`).
 */
import { existsSync, statSync } from "node:fs";
import { Terminal as Emulator } from "@xterm/headless";
import type { HostTerminal } from "../hosts/protocol.ts";
import { endSession, sessionMembers } from "./process-session.ts";
import { renderScreen, settled } from "./terminal-screen.ts";
import { CommandError, type CreateTerminalOptions, type TerminalEnd, type TerminalLaunch, type TerminalManager } from "./types.ts";

const DEFAULT_COLS = 120;
const DEFAULT_ROWS = 40;
const SCROLLBACK_LINES = 5000;
/** Running terminals one agent keeps at most; each holds a process tree and up to 5000 lines. */
export const MAX_LIVE_TERMINALS = 64;
const KILL_GRACE_MS = 1000;
/** How long output may still trail the exit of the process before the terminal reports exited. */
const OUTPUT_DRAIN_MS = 250;
/**
 * TUIs such as Claude Code take text and Enter arriving in one read as a paste and put a newline in
 * the prompt instead of submitting it; a short pause makes Enter a keypress of its own.
 */
const SUBMIT_DELAY_MS = 60;
/** Longest title or label kept, so a hostile OSC title cannot outgrow a wire frame. */
const MAX_TITLE_LENGTH = 200;
/** The host token must not reach programs the agent runs (agents run with permissions skipped). */
const WITHHELD_ENV = ["SUPERSET_HOST_TOKEN"];
/** Characters per flush of stdin: a canonical-mode tty line holds at most 4095 bytes (1000 × 4-byte UTF-8 fits). */
const STDIN_CHUNK_CHARS = 1000;

interface Entry {
  info: HostTerminal;
  proc: Bun.Subprocess;
  emulator: Emulator;
  /** Resolves with the exit code once the process exited and its output is on the screen. */
  exited: Promise<number>;
  /** Keystrokes in order: a delayed Enter must not overtake the next send. */
  input: Promise<void>;
  /** Output handed to xterm and not parsed yet; a read waits only while there is some. */
  unparsed: { count: number };
  /** Tells the creator how the terminal ended; only the first call counts. */
  end(end: TerminalEnd): void;
  /** Set by close while the program still runs, so its death by our signal reads as closed, not as an exit. */
  closing: { whileRunning: boolean };
}

/** Options for tests and embedding; the defaults are what the agent uses. */
export interface TerminalManagerOptions {
  cols?: number;
  rows?: number;
  now?: () => Date;
  maxLiveTerminals?: number;
  killGraceMs?: number;
}

/** Creates the agent's terminal manager (see the file comment for its behaviour). */
export function createTerminalManager(options: TerminalManagerOptions = {}): TerminalManager {
  const cols = options.cols ?? DEFAULT_COLS;
  const rows = options.rows ?? DEFAULT_ROWS;
  const now = options.now ?? (() => new Date());
  const maxLive = options.maxLiveTerminals ?? MAX_LIVE_TERMINALS;
  const killGraceMs = options.killGraceMs ?? KILL_GRACE_MS;
  const terminals = new Map<string, Entry>();

  function entryOf(terminalId: string): Entry {
    const entry = terminals.get(terminalId);
    if (!entry) throw new CommandError("not_found", `Terminal "${terminalId}" not found on this host; call terminals_list for its terminals.`);
    return entry;
  }

  function makeRoom(): void {
    const held = [...terminals.values()];
    if (held.filter((entry) => !entry.info.exited).length >= maxLive) {
      throw new CommandError("conflict", `This host already runs ${maxLive} terminals; close some with terminals_close before starting another.`);
    }
    // Exited terminals stay readable until twice the cap are held; then the oldest exited go
    // (Map order is creation order).
    const excess = held.length + 1 - 2 * maxLive;
    for (const entry of held.filter((e) => e.info.exited).slice(0, Math.max(0, excess))) forget(entry);
  }

  function forget(entry: Entry): void {
    terminals.delete(entry.info.terminalId);
    try {
      entry.proc.terminal?.close();
    } catch {
      // Already closed with the process.
    }
    entry.emulator.dispose();
  }

  function create(createOptions: CreateTerminalOptions): HostTerminal {
    makeRoom();
    const { cwd, launch } = createOptions;
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
      throw new CommandError("not_found", `The folder ${cwd} does not exist on this host; recreate the workspace or give another cwd.`);
    }
    const argv = argvOf(launch);
    const emulator = new Emulator({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    const ptyClosed = Promise.withResolvers<void>();
    const unparsed = { count: 0 };
    let proc: Bun.Subprocess;
    try {
      proc = Bun.spawn(argv, {
        cwd,
        env: terminalEnv(createOptions.env),
        terminal: {
          cols,
          rows,
          name: "xterm-256color",
          // Copied because xterm parses later and the PTY's read buffer may be reused by then.
          data: (_pty, bytes) => {
            unparsed.count++;
            const copy = bytes.slice();
            emulator.write(copy, () => void unparsed.count--);
            createOptions.onOutput?.(copy);
          },
          exit: () => ptyClosed.resolve(),
        },
      });
    } catch (error) {
      emulator.dispose();
      throw spawnFailure(argv[0] ?? "", error);
    }
    const pty = proc.terminal;
    const answer = (reply: string | Uint8Array) => {
      try {
        pty?.write(reply);
      } catch {
        // The program is gone; nobody is waiting for the answer.
      }
    };
    // Programs ask the terminal where the cursor is or what it is (and wait for the answer); xterm answers.
    emulator.onData((reply) => answer(reply));
    emulator.onBinary((reply) => answer(Buffer.from(reply, "binary")));
    const label = createOptions.label.slice(0, MAX_TITLE_LENGTH);
    const info: HostTerminal = { terminalId: crypto.randomUUID(), workspaceId: createOptions.workspaceId, label, title: label, createdAt: now().toISOString(), exited: false, exitCode: null };
    emulator.onTitleChange((title) => {
      info.title = title.slice(0, MAX_TITLE_LENGTH) || label;
    });
    let hasEnded = false;
    const end = (how: TerminalEnd) => {
      if (hasEnded) return;
      hasEnded = true;
      createOptions.onEnd?.(how);
    };
    const closing = { whileRunning: false };
    const exited = proc.exited.then(async (code) => {
      await Promise.race([ptyClosed.promise, Bun.sleep(OUTPUT_DRAIN_MS)]);
      await settled(emulator);
      info.exited = true;
      info.exitCode = code;
      end(closing.whileRunning ? { closed: true } : { exitCode: code });
      return code;
    });
    terminals.set(info.terminalId, { info, proc, emulator, exited, input: Promise.resolve(), unparsed, end, closing });
    if (launch.kind === "argv" && launch.stdin !== undefined) pty?.write(stdinAsTyped(launch.stdin));
    return { ...info };
  }

  /** Ends the session of `entry`'s program and waits (a bounded time) until the terminal has seen it exit. */
  async function endProgram(entry: Entry): Promise<void> {
    // An exited leader may have left background jobs in its session. When none are left its pid
    // may be reused, so it is signalled only while it still names a live session.
    if (!entry.info.exited || sessionMembers(entry.proc.pid).length > 0) await endSession(entry.proc.pid, killGraceMs);
    await Promise.race([entry.exited, Bun.sleep(killGraceMs)]);
  }

  async function close(terminalId: string): Promise<void> {
    const entry = entryOf(terminalId);
    terminals.delete(terminalId);
    // A program that already exited by itself (its output still draining) ended on its own terms.
    const isRunning = entry.proc.exitCode === null && entry.proc.signalCode === null;
    if (isRunning) entry.closing.whileRunning = true;
    await endProgram(entry);
    forget(entry);
    // Also when the program outlived the grace period: whoever waits for the end is told now.
    if (isRunning) entry.end({ closed: true });
  }

  return {
    create,
    get: (terminalId) => {
      const entry = terminals.get(terminalId);
      return entry ? { ...entry.info } : undefined;
    },
    list: (workspaceId) => [...terminals.values()].filter((entry) => workspaceId === undefined || entry.info.workspaceId === workspaceId).map((entry) => ({ ...entry.info })),
    send(terminalId, text, submit) {
      const entry = entryOf(terminalId);
      if (entry.info.exited) {
        throw new CommandError("conflict", `Terminal "${terminalId}" has exited with code ${entry.info.exitCode}; read it or close it and create a new one.`);
      }
      const write = (data: string) => {
        if (!entry.info.exited) entry.proc.terminal?.write(data);
      };
      entry.input = entry.input.then(async () => {
        if (text !== "") write(text);
        if (!submit) return;
        if (text !== "") await Bun.sleep(SUBMIT_DELAY_MS);
        write("\r");
      });
      entry.input = entry.input.catch(() => {}); // a write to a terminal closed meanwhile has nowhere to go
    },
    async read(terminalId, maxLines) {
      const entry = entryOf(terminalId);
      // xterm parses on a timer; waiting for it when nothing is pending would cost every read a timer tick.
      if (entry.unparsed.count > 0) await settled(entry.emulator);
      return { cols: entry.emulator.cols, rows: entry.emulator.rows, text: renderScreen(entry.emulator, maxLines) };
    },
    async waitForExit(terminalId, timeoutMs) {
      const entry = entryOf(terminalId);
      return Promise.race([entry.exited, Bun.sleep(timeoutMs).then(() => null)]);
    },
    close,
    async kill(terminalId) {
      const entry = entryOf(terminalId);
      if (!entry.info.exited) await endProgram(entry);
    },
    async closeWorkspace(workspaceId) {
      const ids = [...terminals.values()].filter((entry) => entry.info.workspaceId === workspaceId).map((entry) => entry.info.terminalId);
      await Promise.all(ids.map((id) => close(id)));
    },
    async closeAll() {
      await Promise.all([...terminals.keys()].map((id) => close(id)));
    },
  };
}

/** The argument vector for a launch: exactly the given vector, or the user's shell. */
function argvOf(launch: TerminalLaunch): string[] {
  const shell = process.env.SHELL || Bun.which("bash") || "/bin/sh";
  if (launch.kind === "shell") return [shell, "-lc", launch.commandLine];
  if (launch.kind === "interactive") return [shell, "-l"];
  if (launch.argv.length === 0 || launch.argv[0] === "") throw new CommandError("invalid", "The program to run is empty; give a command.");
  return launch.argv;
}

function terminalEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...extra })) {
    if (value !== undefined && !WITHHELD_ENV.includes(name)) env[name] = value;
  }
  // Set last: it must describe the emulator that renders the output, whatever the caller's env says.
  env.TERM = "xterm-256color";
  return env;
}

function spawnFailure(program: string, error: unknown): CommandError {
  const reason = error instanceof Error ? error.message : String(error);
  if (/not found|ENOENT/i.test(reason)) {
    return new CommandError("failed", `"${program}" was not found on this host's PATH; install it there or give the full path to the program.`);
  }
  return new CommandError("failed", `Could not start "${program}" (${reason}); check that it is an executable program.`);
}

/**
 * `text` as typed into a canonical-mode tty, then end of input, so the program reads exactly `text`
 * and then EOF. Control characters (Ctrl-C, Ctrl-D, erase…) are prefixed with Ctrl-V so the line
 * discipline passes them on literally instead of acting on them; a long line is flushed with Ctrl-D
 * every STDIN_CHUNK_CHARS characters (Ctrl-D on a non-empty line flushes it, on an empty one is EOF).
 */
export function stdinAsTyped(text: string): string {
  let typed = "";
  let lineLength = 0;
  for (const char of text) {
    if (char === "\n") {
      typed += char;
      lineLength = 0;
      continue;
    }
    const code = char.codePointAt(0) ?? 0;
    if ((code < 0x20 && char !== "\t") || code === 0x7f) typed += "\x16";
    typed += char;
    if (++lineLength >= STDIN_CHUNK_CHARS) {
      typed += "\x04";
      lineLength = 0;
    }
  }
  return typed + (lineLength > 0 ? "\x04\x04" : "\x04");
}
