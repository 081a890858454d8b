/**
 * Shared schedule answers (OccurrenceMemo): schedules of one rule created at different times get
 * one computation from a common anchor, and sharing never changes an answer, in particular where
 * dtstart still matters (INTERVAL phase, default seconds and minutes, COUNT).
 */
import { describe, expect, test } from "bun:test";
import { compileSchedule, createOccurrenceMemo, nextOccurrenceAfter, occurrencesThrough, type CompiledSchedule, type Occurrence } from "../../src/scheduler/schedule.ts";

const compile = (rrule: string, dtstart: string, timezone = "Europe/Berlin") => compileSchedule({ rrule, dtstart: new Date(dtstart), timezone });
const iso = (occurrence: Occurrence | null) => (occurrence ? { at: occurrence.at.toISOString(), local: occurrence.local } : null);

describe("sharing", () => {
  test("daily 09:00 schedules created at fifty different times share one walk per question from the same next run", () => {
    const created = Array.from({ length: 50 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i, (i * 7) % 24, (i * 13) % 60, (i * 17) % 60)).toISOString());
    const schedules = created.map((dtstart) => compile("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", dtstart));
    const first = { at: new Date("2026-03-30T07:00:00Z"), local: "2026-03-30T09:00:00" };
    const at = new Date("2026-03-30T07:00:00.004Z");
    const memo = createOccurrenceMemo();
    for (const schedule of schedules) {
      const covered = occurrencesThrough(schedule, first, at, 100, memo);
      expect(covered).toEqual(occurrencesThrough(schedule, first, at, 100));
      expect(iso(nextOccurrenceAfter(schedule, at, covered.last.local, memo))).toEqual({ at: "2026-03-31T07:00:00.000Z", local: "2026-03-31T09:00:00" });
    }
    expect(memo.through.size).toBe(1);
    expect(memo.next.size).toBe(1);
  });

  test("minutely schedules created on whole minutes share, as the scheduler bench's do", () => {
    const memo = createOccurrenceMemo();
    const at = new Date("2026-11-21T12:05:00.003Z");
    for (let i = 1; i <= 20; i++) {
      const schedule = compile("FREQ=MINUTELY", new Date(Date.UTC(2026, 10, 21, 12, 0) - i * 60_000).toISOString(), "UTC");
      const covered = occurrencesThrough(schedule, { at: new Date("2026-11-21T12:05:00Z"), local: "2026-11-21T12:05:00" }, at, 100, memo);
      expect(iso(nextOccurrenceAfter(schedule, at, covered.last.local, memo))?.at).toBe("2026-11-21T12:06:00.000Z");
    }
    expect(memo.next.size).toBe(1);
  });
});

describe("what dtstart still decides is never shared", () => {
  function answersWithAndWithout(schedules: CompiledSchedule[], after: Date, anchor: string | null) {
    const memo = createOccurrenceMemo();
    const shared = schedules.map((schedule) => iso(nextOccurrenceAfter(schedule, after, anchor, memo)));
    expect(shared).toEqual(schedules.map((schedule) => iso(nextOccurrenceAfter(schedule, after, anchor))));
    return shared.map((answer) => answer?.at ?? null);
  }

  test("INTERVAL=2 days in the two phases", () => {
    const rule = "FREQ=DAILY;INTERVAL=2;BYHOUR=9;BYMINUTE=0";
    const answers = answersWithAndWithout([compile(rule, "2026-01-01T08:00:00Z"), compile(rule, "2026-01-02T08:00:00Z")], new Date("2026-01-10T09:00:00Z"), null);
    expect(answers).toEqual(["2026-01-11T08:00:00.000Z", "2026-01-12T08:00:00.000Z"]);
  });

  test("minutely rules take their second from dtstart, hourly rules their minute", () => {
    const minutely = answersWithAndWithout([compile("FREQ=MINUTELY", "2026-01-01T00:00:00Z"), compile("FREQ=MINUTELY", "2026-01-01T00:00:30Z")], new Date("2026-02-01T10:00:10Z"), null);
    expect(minutely).toEqual(["2026-02-01T10:01:00.000Z", "2026-02-01T10:00:30.000Z"]);
    const hourly = answersWithAndWithout([compile("FREQ=HOURLY", "2026-01-01T00:00:00Z"), compile("FREQ=HOURLY", "2026-01-01T00:20:00Z")], new Date("2026-02-01T10:10:00Z"), null);
    expect(hourly).toEqual(["2026-02-01T11:00:00.000Z", "2026-02-01T10:20:00.000Z"]);
  });

  test("COUNT ends each schedule at its own last occurrence, even asked from the same anchor", () => {
    const rule = "FREQ=DAILY;COUNT=3;BYHOUR=9;BYMINUTE=0";
    const answers = answersWithAndWithout([compile(rule, "2026-01-01T07:00:00Z"), compile(rule, "2026-01-02T07:00:00Z")], new Date("2026-01-03T08:30:00Z"), "2026-01-03T09:00:00");
    expect(answers).toEqual([null, "2026-01-04T08:00:00.000Z"]);
  });

  test("across rules, zones, dtstarts and DST changes, a memo shared by all gives every schedule its own answers", () => {
    const rules = [
      "FREQ=MINUTELY;INTERVAL=7",
      "FREQ=HOURLY;INTERVAL=5;BYMINUTE=5,35",
      "FREQ=HOURLY",
      "FREQ=DAILY;INTERVAL=3;BYHOUR=2,17;BYMINUTE=30",
      "FREQ=DAILY;BYHOUR=2;BYMINUTE=30",
      "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=0",
      "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=2;BYHOUR=9;BYMINUTE=0",
      "FREQ=WEEKLY",
      "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=10;BYMINUTE=0",
      "FREQ=MONTHLY",
      "FREQ=DAILY;COUNT=40",
      "FREQ=HOURLY;UNTIL=20261101T000000Z",
    ];
    const dtstarts = ["2026-01-01T00:00:00Z", "2026-01-01T00:00:30Z", "2026-01-02T03:17:00Z", "2026-01-08T10:00:00Z", "2026-02-14T23:59:59Z"];
    const memo = createOccurrenceMemo();
    let compared = 0;
    for (const timezone of ["UTC", "Europe/Berlin", "America/New_York"]) {
      for (const rule of rules) {
        const schedules = dtstarts.map((dtstart) => compile(rule, dtstart, timezone));
        // Each schedule walks its own chain around both DST changes; every step is also asked with the others' anchors.
        for (const from of ["2026-03-07T20:00:00Z", "2026-03-28T20:00:00Z", "2026-10-24T20:00:00Z", "2026-10-31T20:00:00Z"]) {
          const anchors = schedules.map((schedule) => nextOccurrenceAfter(schedule, new Date(from))?.local ?? null);
          for (const schedule of schedules) {
            let at = new Date(from);
            for (let step = 0; step < 6; step++) {
              for (const anchor of anchors) {
                expect(iso(nextOccurrenceAfter(schedule, at, anchor, memo))).toEqual(iso(nextOccurrenceAfter(schedule, at, anchor)));
                compared += 1;
              }
              const next = nextOccurrenceAfter(schedule, at, null, memo);
              if (!next) break;
              const through = new Date(next.at.getTime() + 5 * 3_600_000);
              expect(occurrencesThrough(schedule, next, through, 50, memo)).toEqual(occurrencesThrough(schedule, next, through, 50));
              at = new Date(next.at.getTime() + 1);
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(3000);
  });
});
