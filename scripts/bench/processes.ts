/** Starting, timing, measuring and stopping the servers under test (Linux: memory comes from /proc). */
import { closeSync, openSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";

const POLL_INTERVAL_MS = 5;
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;
const KIB_PER_MB = 1024;

/** A port nothing listens on right now (the kernel's pick for port 0). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

/** Spawns `cmd` with its output going to `logPath`; the returned process is the server itself (no npm or shell in between). */
export function startServer(cmd: string[], logPath: string, env: Record<string, string> = {}): Subprocess {
  // One descriptor for both streams, opened for appending, so their lines interleave instead of overwriting.
  const log = openSync(logPath, "a");
  try {
    return Bun.spawn(cmd, { stdout: log, stderr: log, env: { ...process.env, ...env } });
  } finally {
    closeSync(log);
  }
}

/**
 * Milliseconds until `url` answers, polling every 5 ms. With `requireOk`, only a 2xx counts
 * (a health endpoint); otherwise any HTTP answer does (a server without one).
 */
export async function waitUntilServing(server: Subprocess, url: string, requireOk: boolean, since = performance.now()): Promise<number> {
  while (performance.now() - since < START_TIMEOUT_MS) {
    if (server.exitCode !== null) throw new Error(`the server exited with code ${server.exitCode} before serving ${url}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (!requireOk || response.ok) return performance.now() - since;
    } catch {
      // Not listening yet.
    }
    await Bun.sleep(POLL_INTERVAL_MS);
  }
  throw new Error(`${url} did not answer within ${START_TIMEOUT_MS} ms`);
}

/** VmRSS (current) and VmHWM (peak) of a process, in MB. */
export function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => {
    const match = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"));
    if (!match) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]) / KIB_PER_MB;
  };
  return { rssMb: field("VmRSS"), peakRssMb: field("VmHWM") };
}

/** SIGTERM, then SIGKILL if the process is still there after a grace period. */
export async function stopServer(server: Subprocess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  server.kill("SIGTERM");
  const exited = await Promise.race([server.exited.then(() => true), Bun.sleep(STOP_GRACE_MS).then(() => false)]);
  if (!exited) {
    server.kill("SIGKILL");
    await server.exited;
  }
}

/** The last lines of a server's log, for an error message. */
export async function logTail(logPath: string, lines = 20): Promise<string> {
  const text = await Bun.file(logPath)
    .text()
    .catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
