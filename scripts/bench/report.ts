/** The benchmark's figures: the printed table, the aims of the issue with PASS/MISS, and the JSON record. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { WrkResult } from "./wrk.ts";

/** One target's measured wrk run, the checks of its warm-up, and its memory. */
export interface TargetFigures extends WrkResult {
  target: string;
  peakRssMb: number;
  /** Body bytes of the answer checked by hand. */
  responseBytes: number;
  warmup: Pick<WrkResult, "requests" | "badStatus" | "errorBodies">;
}

export interface OursStartFigures {
  /** VmRSS 1 s after start on the empty database, and on the seeded one before any load. */
  idleRssMb: { emptyDatabase: number; seeded: number };
  /** Spawn to first 200 from GET /health, each start on the seeded database. */
  timeToServingMs: { median: number; samples: number[]; firstStartEmptyDatabase: number };
}

interface Aim {
  figure: string;
  value: string;
  aim: string;
  pass: boolean;
}

const RATIO_TO_REFERENCE_AIM = 12;
const RATIO_TO_SDK_V2_AIM = 3;
const API_KEY_TO_DEV_AIM = 0.9;
const SHARE_OF_LIMIT_AIM = 0.25;
const P99_AIM_MS = 10;
const IDLE_RSS_AIM_MB = 60;
const TIME_TO_SERVING_AIM_MS = 100;
const MODERN_TO_LEGACY_AIM = 1.0;

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * The aims of the issues, judged on this run's figures; targets start [ours, reference, limit],
 * and the rows "(d) SDK v2…", "(a2) ours, API key…" and "(a4) ours, modern…" are judged against ours when present.
 */
export function judge(targets: TargetFigures[], start: OursStartFigures): Aim[] {
  const [ours, reference, limit] = targets;
  const row = (prefix: string) => targets.find((t) => t.target.startsWith(prefix));
  const ratioToOurs = (figures: TargetFigures) => figures.requestsPerSecond / ours!.requestsPerSecond;
  const [sdkV2, apiKey, modern] = [row("(d)"), row("(a2)"), row("(a4)")];
  const toReference = ours!.requestsPerSecond / reference!.requestsPerSecond;
  const toLimit = ours!.requestsPerSecond / limit!.requestsPerSecond;
  const idleRss = Math.max(start.idleRssMb.emptyDatabase, start.idleRssMb.seeded);
  return [
    { figure: "ours/(b) req/s", value: `${toReference.toFixed(1)}×`, aim: `≥ ${RATIO_TO_REFERENCE_AIM}×`, pass: toReference >= RATIO_TO_REFERENCE_AIM },
    ...(sdkV2 ? [{ figure: "ours/(d) req/s", value: `${(1 / ratioToOurs(sdkV2)).toFixed(1)}×`, aim: `≥ ${RATIO_TO_SDK_V2_AIM}×`, pass: 1 / ratioToOurs(sdkV2) >= RATIO_TO_SDK_V2_AIM }] : []),
    { figure: "ours/(c) req/s", value: `${(toLimit * 100).toFixed(0)}%`, aim: `≥ ${SHARE_OF_LIMIT_AIM * 100}%`, pass: toLimit >= SHARE_OF_LIMIT_AIM },
    { figure: "ours p99", value: `${ours!.p99Ms.toFixed(2)} ms`, aim: `< ${P99_AIM_MS} ms`, pass: ours!.p99Ms < P99_AIM_MS },
    {
      figure: "ours idle RSS",
      value: `${idleRss.toFixed(1)} MB (empty db ${start.idleRssMb.emptyDatabase.toFixed(1)}, seeded ${start.idleRssMb.seeded.toFixed(1)})`,
      aim: `< ${IDLE_RSS_AIM_MB} MB`,
      pass: idleRss < IDLE_RSS_AIM_MB,
    },
    {
      figure: "ours time-to-serving",
      value: `${start.timeToServingMs.median.toFixed(0)} ms (median of ${start.timeToServingMs.samples.length}: ${start.timeToServingMs.samples.map((ms) => ms.toFixed(0)).join(", ")})`,
      aim: `< ${TIME_TO_SERVING_AIM_MS} ms`,
      pass: start.timeToServingMs.median < TIME_TO_SERVING_AIM_MS,
    },
    ...(apiKey ? [{ figure: "API key/dev mode req/s", value: `${ratioToOurs(apiKey).toFixed(2)}×`, aim: `≥ ${API_KEY_TO_DEV_AIM}×`, pass: ratioToOurs(apiKey) >= API_KEY_TO_DEV_AIM }] : []),
    ...(modern ? [{ figure: "modern/legacy req/s", value: `${ratioToOurs(modern).toFixed(2)}×`, aim: `≥ ${MODERN_TO_LEGACY_AIM}×`, pass: ratioToOurs(modern) >= MODERN_TO_LEGACY_AIM }] : []),
  ];
}

/** Columns padded to their widest cell; numbers (`alignNumbers`) right-aligned after the first column. */
function table(rows: string[][], alignNumbers: boolean): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const pad = (cell: string, column: number) => (alignNumbers && column > 0 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!));
  return rows.map((row) => row.map(pad).join("  ").trimEnd()).join("\n");
}

/** The table of the targets (with each one's throughput as a share of ours in dev mode), then one line per aim. */
export function formatReport(targets: TargetFigures[], aims: Aim[]): string {
  const oursRate = targets[0]!.requestsPerSecond;
  const rows = [
    ["target", "req/s", "vs (a)", "p50 ms", "p99 ms", "peak RSS MB", "answer bytes"],
    ...targets.map((t) => [
      t.target,
      t.requestsPerSecond.toFixed(0),
      `${(t.requestsPerSecond / oursRate).toFixed(2)}×`,
      t.p50Ms.toFixed(2),
      t.p99Ms.toFixed(2),
      t.peakRssMb.toFixed(1),
      String(t.responseBytes),
    ]),
  ];
  const aimRows = aims.map((aim) => [aim.figure, aim.value, aim.aim, aim.pass ? "PASS" : "MISS"]);
  return `${table(rows, true)}\n\n${table([["figure", "value", "aim", ""], ...aimRows], false)}`;
}

/** Writes the whole record to scripts/bench/out/<timestamp>.json and returns the path. */
export function writeRecord(record: Record<string, unknown>): string {
  const folder = join(import.meta.dir, "out");
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return path;
}
