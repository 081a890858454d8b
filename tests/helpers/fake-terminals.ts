/**
 * A TerminalManager without pseudo-terminals for the workspace tests: each terminal is a plain
 * subprocess (argv as given, shell lines through `bash -c`), so scripts really run and exit.
 */
import type { HostTerminal } from "../../src/hosts/protocol.ts";
import type { CreateTerminalOptions, TerminalManager } from "../../src/agent/types.ts";

interface FakeTerminal {
  info: HostTerminal;
  options: CreateTerminalOptions;
  proc?: Bun.Subprocess;
  exited: Promise<number>;
}

/** The fake manager plus what the tests look at: every create call, in order. */
export function createFakeTerminals(): TerminalManager & { created: CreateTerminalOptions[]; closedWorkspaces: string[] } {
  const terminals = new Map<string, FakeTerminal>();
  const created: CreateTerminalOptions[] = [];
  const closedWorkspaces: string[] = [];
  let next = 0;
  return {
    created,
    closedWorkspaces,
    create(options) {
      created.push(options);
      const argv = options.launch.kind === "argv" ? options.launch.argv : options.launch.kind === "shell" ? ["bash", "-c", options.launch.commandLine] : ["bash", "-i"];
      const proc = Bun.spawn(argv, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      const info: HostTerminal = { terminalId: `term-${++next}`, workspaceId: options.workspaceId, label: options.label, title: options.label, createdAt: new Date().toISOString(), exited: false, exitCode: null };
      const exited = proc.exited.then((code) => {
        info.exited = true;
        info.exitCode = code;
        return code;
      });
      terminals.set(info.terminalId, { info, options, proc, exited });
      return info;
    },
    get: (id) => terminals.get(id)?.info,
    list: (workspaceId) => [...terminals.values()].map((t) => t.info).filter((t) => workspaceId === undefined || t.workspaceId === workspaceId),
    send() {},
    async read() {
      return { cols: 80, rows: 24, text: "" };
    },
    async waitForExit(id, timeoutMs) {
      const terminal = terminals.get(id);
      if (!terminal) return null;
      return Promise.race([terminal.exited, Bun.sleep(timeoutMs).then(() => null)]);
    },
    async close(id) {
      terminals.get(id)?.proc?.kill();
      terminals.delete(id);
    },
    async closeWorkspace(workspaceId) {
      closedWorkspaces.push(workspaceId);
      for (const [id, terminal] of terminals) if (terminal.info.workspaceId === workspaceId) await this.close(id);
    },
    async closeAll() {
      for (const id of [...terminals.keys()]) await this.close(id);
    },
  };
}
