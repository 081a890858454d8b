/**
 * Runs a command to its end and gives its exit code and output: the one process runner of the
 * tests that drive external tools (SDK CLIs, mcp-inspector, promtool, openssl, curl, npm). A run
 * past `timeoutMs` is killed (SIGKILL), so a hung tool fails its test instead of hanging the suite.
 */

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Bytes written to the command's standard input; none (closed) when absent. */
  input?: Uint8Array;
  timeoutMs?: number;
}

export async function runProcess(command: string[], { cwd, env, input, timeoutMs }: RunOptions = {}): Promise<ProcessResult> {
  const child = Bun.spawn(command, { cwd, env, stdin: input ?? "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const [exitCode, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
    return { exitCode, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}
