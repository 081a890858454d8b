/**
 * The built executable for the end-to-end tests. `npm run build` runs once per test run; each
 * sandbox then holds its own copy of dist/superset in a fresh temp dir, far from any
 * node_modules, with its config files, its SQLite database and a separate working directory,
 * so every command runs the way an installed server does: the file alone and an external config.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const REPO_ROOT = resolve(import.meta.dir, "../..");
const DIST_BINARY = join(REPO_ROOT, "dist/superset");
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const COMMAND_TIMEOUT_MS = 30_000;
const SERVING = /Superset MCP serving (http[^\s"]+)/;

let build: Promise<string> | undefined;

/**
 * Builds dist/superset with `npm run build`, once per process: bun test runs the test files one
 * after another in one process, so the files share this promise and never build concurrently.
 */
export function builtBinary(): Promise<string> {
  build ??= (async () => {
    const child = Bun.spawn(["npm", "run", "build"], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
    const [exitCode, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
    if (exitCode !== 0) throw new Error(`npm run build failed with exit code ${exitCode}:\n${stdout}${stderr}`);
    return DIST_BINARY;
  })();
  return build;
}

/** A port nobody listens on right now: the kernel picks one for a throwaway listener. */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

/** True when a TCP connection to 127.0.0.1:`port` is accepted. */
export async function acceptsConnections(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** What a finished command printed and how it exited. */
export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** True when the command was still running at its deadline and was killed. */
  timedOut: boolean;
}

/** A `superset mcp run` that logged it is serving. */
export interface RunningServer {
  /** The MCP endpoint from the "serving" log line, e.g. http://127.0.0.1:41234/mcp. */
  url: string;
  port: number;
  /** The server's process id, e.g. to read its memory from /proc. */
  pid: number;
  /** Everything logged so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves to the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
  /** Sends `signal` and nothing else, for tests that watch what the server does while it stops (or, SIGKILL, crashes). */
  kill(signal: "SIGTERM" | "SIGINT" | "SIGKILL"): void;
  /** The exit code once the process has ended (null when killed by a signal). */
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** Keys written over the sandbox's base config (pass `undefined` to drop a base key). */
  config?: Record<string, unknown>;
  /** Extra arguments after `mcp run --config <file>`. */
  args?: string[];
  /** Environment variables added to the server's (e.g. NODE_EXTRA_CA_CERTS). */
  env?: Record<string, string>;
}

export interface Sandbox {
  /** The temp dir: bin/superset, etc/*.ts configs, data/superset.db and the working dir work/. */
  root: string;
  binary: string;
  /** The working directory commands run in; it holds no config.ts and no node_modules. */
  cwd: string;
  databaseUrl: string;
  /** The config every start uses unless told otherwise: dev mode, loopback, a free port, the sandbox database. */
  baseConfig(): Record<string, unknown>;
  /** Writes `export default {…}` to etc/<name> and returns its absolute path. */
  writeConfig(values: Record<string, unknown>, name?: string): Promise<string>;
  /** Runs the binary in `cwd` to completion; killed after `timeoutMs` (default 30 s). */
  run(args: string[], options?: { env?: Record<string, string>; timeoutMs?: number }): Promise<CommandResult>;
  /** Starts `mcp run` on the base config (plus `options.config`) and waits for the "serving" line. */
  start(options?: StartOptions): Promise<RunningServer>;
  /** Stops every server this sandbox started and deletes the temp dir. */
  dispose(): Promise<void>;
}

/** A fresh temp dir holding a copy of the freshly built binary, or of `executable` (e.g. a release file) when given. */
export async function createSandbox(executable?: string): Promise<Sandbox> {
  const source = executable ?? (await builtBinary());
  const root = await mkdtemp(join(tmpdir(), "superset-e2e-"));
  const binary = join(root, "bin/superset");
  const cwd = join(root, "work");
  await Promise.all([mkdir(dirname(binary)), mkdir(join(root, "etc")), mkdir(join(root, "data")), mkdir(cwd)]);
  await copyFile(source, binary);
  const databaseUrl = `sqlite://${join(root, "data/superset.db")}`;
  const servers = new Set<RunningServer>();
  let configCount = 0;

  const sandbox: Sandbox = {
    root,
    binary,
    cwd,
    databaseUrl,
    baseConfig: () => ({ DATABASE_URL: databaseUrl, MCP_DEV_USERNAME: "admin", MCP_SERVICE_HOST: "127.0.0.1", MCP_SERVICE_PORT: freePort() }),
    async writeConfig(values, name = `config-${++configCount}.ts`) {
      const path = join(root, "etc", name);
      await Bun.write(path, `export default ${JSON.stringify(values, null, 2)};\n`);
      return path;
    },
    async run(args, { env, timeoutMs = COMMAND_TIMEOUT_MS } = {}) {
      const child = Bun.spawn([binary, ...args], { cwd, env: { ...childEnv(), ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
      const [exitCode, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
      clearTimeout(timer);
      return { exitCode: timedOut ? null : exitCode, stdout, stderr, timedOut };
    },
    async start({ config = {}, args = [], env = {} } = {}) {
      const path = await sandbox.writeConfig({ ...sandbox.baseConfig(), ...config });
      const server = await startServer(binary, cwd, ["mcp", "run", "--config", path, ...args], env);
      servers.add(server);
      return server;
    },
    async dispose() {
      await Promise.all([...servers].map((server) => server.stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
  return sandbox;
}

// Config keys can also come from environment variables of the same name; a developer's shell
// must not change the config under test.
const CONFIG_VARIABLE = /^(SUPERSET_CONFIG_PATH|MCP_\w+|DATABASE_URL|SECRET_KEY|SCHEDULER_ENABLED|AGENT_PRESETS|RUN_\w+|HOST_COMMAND_TIMEOUT|LOG_FORMAT)$/;

/** The test process's environment less the variables that would change the config under test. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || CONFIG_VARIABLE.test(key)) continue;
    env[key] = value;
  }
  return env;
}

async function startServer(binary: string, cwd: string, args: string[], env: Record<string, string>): Promise<RunningServer> {
  const child = Bun.spawn([binary, ...args], { cwd, env: { ...childEnv(), ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let log = "";
  const serving = Promise.withResolvers<string>();
  void (async () => {
    const decoder = new TextDecoder();
    const reader = child.stderr.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      log += decoder.decode(chunk.value, { stream: true });
      const match = SERVING.exec(log);
      if (match) serving.resolve(match[1]!);
    }
  })();
  // stdout is drained so a chatty server never blocks on a full pipe.
  void new Response(child.stdout).text();

  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    serving.promise.then((url) => ({ url })),
    child.exited.then((exitCode) => ({ exitCode })),
    new Promise<{ timeout: true }>((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), READY_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);

  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    const exitCode = await child.exited;
    clearTimeout(killer);
    return child.signalCode ? null : exitCode;
  };

  if (!("url" in outcome)) {
    await stop();
    const why = "timeout" in outcome ? `did not log "Superset MCP serving" within ${READY_TIMEOUT_MS / 1000} s` : `exited with code ${outcome.exitCode} before serving`;
    throw new Error(`superset ${args.join(" ")} ${why}; stderr:\n${log}`);
  }
  return {
    url: outcome.url,
    port: Number(new URL(outcome.url).port),
    pid: child.pid,
    stderr: () => log,
    stop,
    kill: (signal) => child.kill(signal),
    exited: child.exited.then((exitCode) => (child.signalCode ? null : exitCode)),
  };
}

/** True when a node_modules directory exists in `dir` or any directory above it. */
export function hasNodeModulesAbove(dir: string): boolean {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, "node_modules"))) return true;
    if (dirname(current) === current) return false;
  }
}

/** Lines of stderr that are not JSON log records: what the CLI printed for a person to read. */
export function plainLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !isLogRecord(line));
}

function isLogRecord(line: string): boolean {
  if (!line.startsWith("{")) return false;
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    return typeof record.level === "string" && typeof record.message === "string";
  } catch {
    return false;
  }
}

/** The messages of the JSON log records in stderr. */
export function logMessages(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => isLogRecord(line.trim()))
    .map((line) => (JSON.parse(line) as { message: string }).message);
}
