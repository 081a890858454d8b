/**
 * `npm run bench`: throughput, latency and memory of ours against (b) the official SDK the usual
 * way (v1 on Node with express), (d) the newest official SDK (v2 on Bun) and (c) a bare Bun.serve, with wrk on loopback (50 connections), one target at a time.
 * Ours is the built executable on SQLite with 10,000 tasks; every target answers the same
 * `tools/call tasks_list {limit: 20}`. See README.md beside this file for how to read the figures.
 *
 * Prints a table and the aims of the issue; writes the record to scripts/bench/out/<timestamp>.json.
 * Exits 1 when a target answered an error during a run (the figures would time errors).
 */
import { $ } from "bun";
import { cpus, tmpdir } from "node:os";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { modernHeaders, modernToolCallBody, openSession, postHeaders, TASKS_LIST_BODY, TRIVIAL_CALL_BODY, verifyAnswer } from "./mcp.ts";
import { freePort, logTail, memoryOf, startServer, stopServer, waitUntilServing } from "./processes.ts";
import { benchStoreAndReplicas } from "./replicas.ts";
import { formatReport, judge, median, writeRecord, type OursStartFigures, type TargetFigures } from "./report.ts";
import { ensureWrk, runWrk, WRK_CONNECTIONS, WRK_THREADS } from "./wrk.ts";

const TASK_COUNT = 10_000;
const WARMUP_SECONDS = 3;
const MEASURE_SECONDS = 10;
const TIMED_STARTS = 5;
const IDLE_MS = 1_000;

const root = resolve(import.meta.dir, "../..");
const bun = process.execPath;
const dir = mkdtempSync(join(tmpdir(), "superset-bench-"));
const dbPath = join(dir, "bench.db");
const oursPort = freePort();
const oursCommandWith = (configPath: string) => [join(root, "dist/superset"), "mcp", "run", "--config", configPath];
const oursCommand = oursCommandWith(join(dir, "config.ts"));
const running = new Set<Subprocess>();
const problems: string[] = [];
let timedErrors = false;

function start(cmd: string[], name: string): { server: Subprocess; log: string } {
  const log = join(dir, `${name}.log`);
  const server = startServer(cmd, log);
  running.add(server);
  return { server, log };
}

async function stop(server: Subprocess): Promise<void> {
  await stopServer(server);
  running.delete(server);
}

/** Spawns ours and returns once GET /health answers 200, with the milliseconds that took. */
async function startOurs(name: string) {
  const spawnedAt = performance.now();
  const { server, log } = start(oursCommand, name);
  try {
    return { server, log, ms: await waitUntilServing(server, `http://127.0.0.1:${oursPort}/health`, true, spawnedAt) };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await logTail(log)}`);
  }
}

/**
 * Warm-up with every answer checked, then the measured run, which only wrk's C counters watch
 * (see post.lua), plus the bytes it read: as many as a good body per answer at least, since a
 * good answer is its body plus headers and error answers are far shorter. Peak RSS is read
 * after it, from the server's own pid.
 */
async function load(target: string, server: Subprocess, url: string, headers: Record<string, string>, responseBytes: number, request = TASKS_LIST_BODY): Promise<TargetFigures> {
  console.log(`${target}: warm-up ${WARMUP_SECONDS} s, then ${MEASURE_SECONDS} s with ${WRK_CONNECTIONS} connections…`);
  const warmup = await runWrk(url, request, headers, WARMUP_SECONDS, true);
  const { result, report } = await runWrk(url, request, headers, MEASURE_SECONDS, false);
  for (const [phase, figures] of [
    ["warm-up", warmup.result],
    ["measured run", result],
  ] as const) {
    if (figures.badStatus || figures.errorBodies) {
      timedErrors = true;
      const what = figures.checkMode === "every-answer" ? "non-200 answers" : "answers with a status above 399";
      problems.push(`${target} ${phase}: ${figures.badStatus} ${what} and ${figures.errorBodies} error bodies`);
    }
    if (figures.socketErrors) problems.push(`${target} ${phase}: wrk socket errors: ${figures.socketErrors}`);
  }
  if (result.bytesPerAnswer < responseBytes) {
    timedErrors = true;
    problems.push(`${target} measured run: ${result.bytesPerAnswer} bytes read per answer, fewer than the ${responseBytes} of a good body; some answers were errors`);
  }
  if (process.env.BENCH_VERBOSE) console.log(warmup.report, report);
  const { peakRssMb } = memoryOf(server.pid);
  const { requests, badStatus, errorBodies } = warmup.result;
  return { target, ...result, peakRssMb, responseBytes, warmup: { requests, badStatus, errorBodies } };
}

/**
 * Writes ours's config: dev mode over the bench database with the rate limit off (wrk's 50
 * connections share one address and would be limited within a second), plus `extra`.
 */
function writeOursConfig(extra: Record<string, unknown> = {}, port = oursPort, file = "config.ts"): string {
  const config = { DATABASE_URL: `sqlite://${dbPath}`, MCP_DEV_USERNAME: "admin", MCP_SERVICE_HOST: "127.0.0.1", MCP_SERVICE_PORT: port, MCP_RATE_LIMIT: { enabled: false }, ...extra };
  const path = join(dir, file);
  writeFileSync(path, `export default ${JSON.stringify(config, null, 2)};\n`);
  return path;
}

/** Loads ours once more, with `extra` config and a credential, on the seeded database: what a production setting costs or saves. */
async function benchOursVariant(target: string, extra: Record<string, unknown>, credential: () => Promise<Record<string, string>>): Promise<TargetFigures> {
  writeOursConfig(extra);
  const headersOfCredential = await credential();
  const { server } = await startOurs(target.replace(/\W+/g, "-"));
  try {
    const url = `http://127.0.0.1:${oursPort}/mcp`;
    const headers = postHeaders(await openSession(url, headersOfCredential), headersOfCredential);
    const { body } = await verifyAnswer(url, headers);
    return await load(target, server, url, headers, Buffer.byteLength(body));
  } finally {
    await stop(server);
  }
}

/**
 * Loads ours with other requests on the seeded database in dev mode, one server for all: the same
 * tasks_list in the 2026-07-28 era (no session), and a trivial call (health_check) in both eras,
 * whose answers time the protocol layer with next to no tool work.
 */
async function benchOursRequests(): Promise<TargetFigures[]> {
  writeOursConfig();
  const { server } = await startOurs("ours-requests");
  try {
    const url = `http://127.0.0.1:${oursPort}/mcp`;
    const legacy = postHeaders(await openSession(url));
    const variants: [string, Record<string, string>, string][] = [
      ["(a4) ours, modern 2026-07-28", modernHeaders("tasks_list"), modernToolCallBody("tasks_list", { limit: 20 })],
      ["(a5) ours, trivial call, legacy", legacy, TRIVIAL_CALL_BODY],
      ["(a6) ours, trivial call, modern", modernHeaders("health_check"), modernToolCallBody("health_check", {})],
    ];
    const figures: TargetFigures[] = [];
    for (const [target, headers, request] of variants) {
      const { body } = await verifyAnswer(url, headers, request);
      figures.push(await load(target, server, url, headers, Buffer.byteLength(body), request));
    }
    return figures;
  } finally {
    await stop(server);
  }
}

/** An API key for the dev user, made by the executable's own CLI. */
async function createApiKey(): Promise<Record<string, string>> {
  const printed = await $`${join(root, "dist/superset")} api-keys create --user admin --org default --name bench --json --config ${join(dir, "config.ts")}`.quiet();
  return { Authorization: `Bearer ${(JSON.parse(printed.stdout.toString()) as { key: string }).key}` };
}

async function benchOurs(): Promise<{ figures: TargetFigures; start: OursStartFigures; answer: string; structured: unknown }> {
  writeOursConfig();
  // The first start on an empty database creates the dev user and the organization "default".
  const first = await startOurs("ours-first");
  await Bun.sleep(IDLE_MS);
  const emptyDatabase = memoryOf(first.server.pid).rssMb;
  await stop(first.server);

  console.log(`seeding ${TASK_COUNT} tasks…`);
  const seed = await $`${bun} ${join(import.meta.dir, "seed.ts")} sqlite://${dbPath} ${TASK_COUNT} admin`.quiet();
  console.log(`seeded: ${seed.stdout.toString().trim()}`);

  const samples: number[] = [];
  for (let i = 0; i < TIMED_STARTS; i++) {
    const timed = await startOurs(`ours-start-${i}`);
    samples.push(timed.ms);
    await stop(timed.server);
  }

  const { server } = await startOurs("ours");
  await Bun.sleep(IDLE_MS);
  const seeded = memoryOf(server.pid).rssMb;
  const url = `http://127.0.0.1:${oursPort}/mcp`;
  const headers = postHeaders(await openSession(url));
  const { body, structured } = await verifyAnswer(url, headers);
  const figures = await load("(a) ours", server, url, headers, Buffer.byteLength(body));
  await stop(server);
  const start = { idleRssMb: { emptyDatabase, seeded }, timeToServingMs: { median: median(samples), samples, firstStartEmptyDatabase: first.ms } };
  return { figures, start, answer: body, structured };
}

/** Starts a comparison target, checks one answer, loads it, stops it. */
async function benchOther(target: string, name: string, cmd: string[], port: number, path: string, oursStructured: unknown): Promise<TargetFigures> {
  const { server, log } = start(cmd, name);
  const url = `http://127.0.0.1:${port}${path}`;
  try {
    await waitUntilServing(server, url, false);
    const headers = postHeaders(null);
    const { body, structured } = await verifyAnswer(url, headers);
    if (!Bun.deepEquals(structured, oursStructured)) problems.push(`${target} returned a different tasks_list result than ours (see ${name}.log)`);
    return await load(target, server, url, headers, Buffer.byteLength(body));
  } catch (error) {
    throw new Error(`${target}: ${(error as Error).message}\n${await logTail(log)}`);
  } finally {
    await stop(server);
  }
}

async function main(): Promise<number> {
  const wrkVersion = await ensureWrk();
  console.log("building dist/superset…");
  await $`npm run build`.cwd(root).quiet();

  const ours = await benchOurs();
  const referencePort = freePort();
  const reference = await benchOther("(b) SDK+express", "reference", ["node", join(import.meta.dir, "reference-sdk.mjs"), dbPath, String(referencePort)], referencePort, "/mcp", ours.structured);
  const v2Port = freePort();
  const referenceV2 = await benchOther("(d) SDK v2 on Bun", "reference-v2", [bun, join(import.meta.dir, "reference-sdk-v2.ts"), dbPath, String(v2Port)], v2Port, "/mcp", ours.structured);
  const answerFile = join(dir, "answer.json");
  writeFileSync(answerFile, ours.answer);
  const limitPort = freePort();
  const limit = await benchOther("(c) bare Bun", "bare", [bun, join(import.meta.dir, "bare-bun.ts"), answerFile, String(limitPort)], limitPort, "/mcp", ours.structured);

  const apiKeyAuth = await benchOursVariant("(a2) ours, API key", { MCP_AUTH_ENABLED: true, MCP_DEV_USERNAME: undefined, SECRET_KEY: "bench-secret-".repeat(4) }, createApiKey);
  const cached = await benchOursVariant("(a3) ours, cache on", { MCP_CACHE_CONFIG: { enabled: true } }, async () => ({}));

  const requests = await benchOursRequests();
  const replicated = await benchStoreAndReplicas({ dir, load, start, stop, writeConfig: writeOursConfig, command: oursCommandWith });

  const targets = [ours.figures, reference, limit, referenceV2, apiKeyAuth, cached, ...requests, ...replicated.figures];
  const aims = [...judge(targets, ours.start), ...replicated.aims];
  console.log(`\n${formatReport(targets, aims)}`);
  for (const note of replicated.notes) console.log(note);
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, bun: Bun.version, node: (await $`node --version`.text()).trim(), wrk: wrkVersion };
  const settings = { tasks: TASK_COUNT, threads: WRK_THREADS, connections: WRK_CONNECTIONS, warmupSeconds: WARMUP_SECONDS, measureSeconds: MEASURE_SECONDS, request: TASKS_LIST_BODY };
  const path = writeRecord({ at: new Date().toISOString(), machine, settings, targets, ours: ours.start, aims, notes: replicated.notes, problems });
  for (const problem of problems) console.log(`PROBLEM: ${problem}`);
  console.log(`\nrecord: ${path}`);
  return timedErrors ? 1 : 0;
}

async function cleanUp(): Promise<void> {
  await Promise.all([...running].map(stopServer));
  rmSync(dir, { recursive: true, force: true });
}

process.once("SIGINT", () => void cleanUp().then(() => process.exit(130)));
let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await cleanUp();
}
process.exit(exitCode);
