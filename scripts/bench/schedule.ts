/**
 * Micro-benchmark of the schedule module (not a test): `bun scripts/bench/schedule.ts`. Prints the
 * time of 10,000 nextOccurrenceAfter calls per case, the first round cold (JIT warming up), then
 * the median of five warm rounds. Aim: 10,000 calls for FREQ=MINUTELY with an anchor one minute
 * back well under 500 ms.
 */
import { compileSchedule, nextOccurrenceAfter, occurrencesThrough, requireFutureOccurrence, type CompiledSchedule } from "../../src/scheduler/schedule.ts";

const CALLS = 10_000;
const WARM_ROUNDS = 5;
const MINUTE_MS = 60_000;
const START = Date.parse("2026-06-01T00:00:00Z");

const compile = (rrule: string, dtstart = "2025-06-01T00:00:00Z") => compileSchedule({ rrule, dtstart: new Date(dtstart), timezone: "Europe/Berlin" });

/** Milliseconds for `calls` calls of `call(i)`: the cold first round and the warm median. */
function measure(call: (i: number) => void, calls = CALLS): { coldMs: number; warmMs: number } {
  const round = () => {
    const started = performance.now();
    for (let i = 0; i < calls; i++) call(i);
    return performance.now() - started;
  };
  const coldMs = round();
  const warm = Array.from({ length: WARM_ROUNDS }, round).sort((a, b) => a - b);
  return { coldMs, warmMs: warm[Math.floor(WARM_ROUNDS / 2)]! };
}

/** nextOccurrenceAfter one minute after each of CALLS consecutive occurrences, anchored on it as the scheduler does. */
function anchoredCalls(schedule: CompiledSchedule, stepMs: number) {
  const first = requireFutureOccurrence(schedule, new Date(START));
  const anchors = [first];
  while (anchors.length < CALLS) anchors.push(nextOccurrenceAfter(schedule, anchors.at(-1)!.at, anchors.at(-1)!.local)!);
  return (i: number) => nextOccurrenceAfter(schedule, new Date(anchors[i]!.at.getTime() + Math.min(stepMs / 2, MINUTE_MS)), anchors[i]!.local);
}

const minutely = compile("FREQ=MINUTELY");
const counted = compile("FREQ=MINUTELY;COUNT=10000", "2026-05-25T02:00:00Z"); // its last occurrence is at 2026-06-01T00:39Z
const cases: [string, (i: number) => unknown][] = [
  ["MINUTELY, anchor one minute back", anchoredCalls(minutely, MINUTE_MS)],
  ["MINUTELY, no anchor, dtstart a year back", (i) => nextOccurrenceAfter(minutely, new Date(START + i * MINUTE_MS))],
  ["weekdays 9:00, anchored", anchoredCalls(compile("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0"), 24 * 60 * MINUTE_MS)],
  ["monthly 2nd Tuesday, anchored", anchoredCalls(compile("FREQ=MONTHLY;BYDAY=2TU;BYHOUR=10;BYMINUTE=0"), 28 * 24 * 60 * MINUTE_MS)],
  // The first call finds where the COUNT ends (once per compiled schedule); the rest start near their query.
  ["MINUTELY;COUNT=10000, near its end", (i) => nextOccurrenceAfter(counted, new Date(START + i))],
  ["compileSchedule, weekdays 9:00", () => compile("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0")],
];

const catchUp = compile("FREQ=MINUTELY");
const from = requireFutureOccurrence(catchUp, new Date(START));

console.log(`${CALLS.toLocaleString("en")} calls each; cold round, then median of ${WARM_ROUNDS} warm rounds`);
for (const [name, call] of cases) {
  const { coldMs, warmMs } = measure(call);
  console.log(`${name.padEnd(44)} cold ${coldMs.toFixed(0).padStart(6)} ms   warm ${warmMs.toFixed(0).padStart(6)} ms   ${((warmMs * 1000) / CALLS).toFixed(1).padStart(6)} µs/call`);
}
const CATCH_UP_CALLS = 100;
const { warmMs } = measure(() => occurrencesThrough(catchUp, from, new Date(from.at.getTime() + 30 * 24 * 60 * MINUTE_MS), 1000), CATCH_UP_CALLS);
console.log(`${"occurrencesThrough, 1000 of a month missed".padEnd(44)} ${(warmMs / CATCH_UP_CALLS).toFixed(2).padStart(6)} ms/call`);
const impossible = compile("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30");
const started = performance.now();
try {
  requireFutureOccurrence(impossible, new Date(START));
} catch {
  console.log(`${"refusing a rule that never matches (30 Feb)".padEnd(44)} ${(performance.now() - started).toFixed(0).padStart(6)} ms`);
}
