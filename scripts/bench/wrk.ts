/** Runs wrk (the Debian package) with post.lua and reads its report. */
import { $ } from "bun";
import { join } from "node:path";

const LUA_SCRIPT = join(import.meta.dir, "post.lua");
export const WRK_THREADS = 2;
export const WRK_CONNECTIONS = 50;

export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** How post.lua counted: every answer (status ≠ 200, error bodies) or wrk's counter of statuses above 399. */
  checkMode: "every-answer" | "status-over-399";
  badStatus: number;
  errorBodies: number;
  /** Bytes read per completed answer (headers included): equal answers give the same figure in every run. */
  bytesPerAnswer: number;
  /** wrk's "Socket errors" line (connect, read, write, timeout), or null when there were none. */
  socketErrors: string | null;
}

/** Installs wrk with apt-get when it is missing; throws with the command to run when that fails. */
export async function ensureWrk(): Promise<string> {
  if (!Bun.which("wrk")) {
    console.log("wrk is missing; installing it with apt-get…");
    const installed =
      (await $`apt-get install -y wrk`.quiet().nothrow()).exitCode === 0 ||
      ((await $`apt-get update`.quiet().nothrow()).exitCode === 0 && (await $`apt-get install -y wrk`.quiet().nothrow()).exitCode === 0);
    if (!installed || !Bun.which("wrk")) throw new Error("wrk is not installed and apt-get could not install it; run: sudo apt-get update && sudo apt-get install -y wrk");
  }
  const banner = await $`wrk --version`.nothrow().quiet();
  return (banner.stdout.toString() + banner.stderr.toString()).split("\n")[0]!.trim();
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function durationMs(text: string): number {
  const match = text.match(/^([\d.]+)(us|ms|s|m)$/);
  if (!match) throw new Error(`wrk printed a latency I cannot read: "${text}"`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** The figures of wrk's `--latency` report. Exported for checking against a saved report. */
export function parseWrkReport(report: string): WrkResult {
  const find = (pattern: RegExp, what: string) => {
    const match = report.match(pattern);
    if (!match) throw new Error(`wrk's report has no ${what}:\n${report}`);
    return match;
  };
  const check = find(/bench-check: mode=(\S+) bad-status=(\d+) error-bodies=(\d+) bytes-per-answer=([\d.]+)/, "bench-check line (post.lua)");
  return {
    requestsPerSecond: Number(find(/Requests\/sec:\s+([\d.]+)/, "Requests/sec")[1]),
    p50Ms: durationMs(find(/^\s+50%\s+(\S+)/m, "50% latency")[1]!),
    p99Ms: durationMs(find(/^\s+99%\s+(\S+)/m, "99% latency")[1]!),
    requests: Number(find(/(\d+) requests in/, "request count")[1]),
    checkMode: check[1] as WrkResult["checkMode"],
    badStatus: Number(check[2]),
    errorBodies: Number(check[3]),
    bytesPerAnswer: Number(check[4]),
    socketErrors: report.match(/Socket errors: (.*)/)?.[1] ?? null,
  };
}

/** One wrk run of `seconds` against `url`, POSTing `body` with `headers`; `checkEveryAnswer` costs wrk time (see post.lua). */
export async function runWrk(url: string, body: string, headers: Record<string, string>, seconds: number, checkEveryAnswer: boolean): Promise<{ result: WrkResult; report: string }> {
  const headerLines = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
  const run = await $`wrk -t${WRK_THREADS} -c${WRK_CONNECTIONS} -d${seconds}s --latency -s ${LUA_SCRIPT} ${url}`
    .env({ ...process.env, BENCH_BODY: body, BENCH_HEADERS: headerLines, BENCH_CHECK: checkEveryAnswer ? "every-answer" : "status" })
    .quiet()
    .nothrow();
  const report = run.stdout.toString();
  if (run.exitCode !== 0) throw new Error(`wrk exited with ${run.exitCode}: ${run.stderr.toString()}${report}`);
  return { result: parseWrkReport(report), report };
}
