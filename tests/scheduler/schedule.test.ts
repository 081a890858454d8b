/** Schedule evaluation (docs/hosts-and-automations.md#automations): wall-clock rules across DST, anchors, limits and catch-up counting. */
import { describe, expect, test } from "bun:test";
import { RRule } from "rrule";
import { compileSchedule, isIanaTimeZone, nextOccurrenceAfter, occurrencesThrough, requireFutureOccurrence, ScheduleError, type CompiledSchedule } from "../../src/scheduler/schedule.ts";

const compile = (rrule: string, dtstart: string, timezone = "Europe/Berlin") => compileSchedule({ rrule, dtstart: new Date(dtstart), timezone });

/** The next `n` occurrences after `after`, each query anchored on the previous answer as the scheduler does. */
function chain(schedule: CompiledSchedule, after: string, n: number): { at: string; local: string }[] {
  const found: { at: string; local: string }[] = [];
  let at = new Date(after);
  let anchor: string | null = null;
  while (found.length < n) {
    const next = nextOccurrenceAfter(schedule, at, anchor);
    if (!next) break;
    found.push({ at: next.at.toISOString(), local: next.local });
    at = next.at;
    anchor = next.local;
  }
  return found;
}
const instants = (schedule: CompiledSchedule, after: string, n: number) => chain(schedule, after, n).map((o) => o.at);

describe("wall-clock time across daylight-saving changes", () => {
  test("Europe/Berlin: daily 09:00 stays 09:00 local (08:00Z in winter, 07:00Z in summer)", () => {
    const daily = compile("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "2026-01-01T08:00:00Z");
    expect(instants(daily, "2026-03-27T00:00:00Z", 4)).toEqual(["2026-03-27T08:00:00.000Z", "2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z", "2026-03-30T07:00:00.000Z"]);
    expect(instants(daily, "2026-10-24T00:00:00Z", 3)).toEqual(["2026-10-24T07:00:00.000Z", "2026-10-25T08:00:00.000Z", "2026-10-26T08:00:00.000Z"]);
  });

  test("Europe/Berlin: 02:30 moves to 03:00 CEST on the spring-forward day and fires once, at the earlier instant, on the fall-back day", () => {
    const early = compile("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "2026-01-01T01:30:00Z");
    expect(chain(early, "2026-03-28T00:00:00Z", 3)).toEqual([
      { at: "2026-03-28T01:30:00.000Z", local: "2026-03-28T02:30:00" },
      { at: "2026-03-29T01:00:00.000Z", local: "2026-03-29T02:30:00" },
      { at: "2026-03-30T00:30:00.000Z", local: "2026-03-30T02:30:00" },
    ]);
    expect(instants(early, "2026-10-24T00:00:00Z", 3)).toEqual(["2026-10-24T00:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
    // Asked from inside the repeated hour (second pass of 02:30 and of 02:45), it does not fire again that day.
    expect(nextOccurrenceAfter(early, new Date("2026-10-25T01:30:00Z"))?.at.toISOString()).toBe("2026-10-26T01:30:00.000Z");
    expect(nextOccurrenceAfter(early, new Date("2026-10-25T01:45:00Z"), "2026-10-25T02:30:00")?.at.toISOString()).toBe("2026-10-26T01:30:00.000Z");
    expect(nextOccurrenceAfter(early, new Date("2026-10-25T00:29:00Z"))?.at.toISOString()).toBe("2026-10-25T00:30:00.000Z");
  });

  test("America/New_York: 8 March and 1 November 2026", () => {
    const daily = compile("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "2026-01-01T14:00:00Z", "America/New_York");
    expect(instants(daily, "2026-03-07T00:00:00Z", 3)).toEqual(["2026-03-07T14:00:00.000Z", "2026-03-08T13:00:00.000Z", "2026-03-09T13:00:00.000Z"]);
    expect(instants(daily, "2026-10-31T00:00:00Z", 3)).toEqual(["2026-10-31T13:00:00.000Z", "2026-11-01T14:00:00.000Z", "2026-11-02T14:00:00.000Z"]);
    const early = compile("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "2026-01-01T07:30:00Z", "America/New_York");
    expect(chain(early, "2026-03-07T00:00:00Z", 3)).toEqual([
      { at: "2026-03-07T07:30:00.000Z", local: "2026-03-07T02:30:00" },
      { at: "2026-03-08T07:00:00.000Z", local: "2026-03-08T02:30:00" },
      { at: "2026-03-09T06:30:00.000Z", local: "2026-03-09T02:30:00" },
    ]);
    const repeated = compile("FREQ=DAILY;BYHOUR=1;BYMINUTE=30", "2026-01-01T06:30:00Z", "America/New_York");
    expect(instants(repeated, "2026-10-31T00:00:00Z", 3)).toEqual(["2026-10-31T05:30:00.000Z", "2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
  });

  test("hourly across both Berlin changes: strictly increasing, the skipped hour collapses into the next, the repeated hour fires once", () => {
    const hourly = compile("FREQ=HOURLY;BYMINUTE=0", "2026-01-01T00:00:00Z");
    const spring = chain(hourly, "2026-03-28T22:30:00Z", 4);
    expect(spring.map((o) => o.at)).toEqual(["2026-03-28T23:00:00.000Z", "2026-03-29T00:00:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T02:00:00.000Z"]);
    expect(spring.map((o) => o.local.slice(11, 16))).toEqual(["00:00", "01:00", "02:00", "04:00"]);
    const autumn = chain(hourly, "2026-10-24T22:30:00Z", 4);
    expect(autumn.map((o) => o.at)).toEqual(["2026-10-24T23:00:00.000Z", "2026-10-25T00:00:00.000Z", "2026-10-25T02:00:00.000Z", "2026-10-25T03:00:00.000Z"]);
    expect(autumn.map((o) => o.local.slice(11, 16))).toEqual(["01:00", "02:00", "03:00", "04:00"]);
  });

  test("every 15 minutes across the gap: 02:00 to 03:00 local collapse into 03:00 CEST", () => {
    const quarter = compile("FREQ=MINUTELY;INTERVAL=15", "2026-01-01T00:00:00Z");
    expect(chain(quarter, "2026-03-29T00:30:00Z", 3)).toEqual([
      { at: "2026-03-29T00:45:00.000Z", local: "2026-03-29T01:45:00" },
      { at: "2026-03-29T01:00:00.000Z", local: "2026-03-29T02:00:00" },
      { at: "2026-03-29T01:15:00.000Z", local: "2026-03-29T03:15:00" },
    ]);
  });
});

describe("calendar rules", () => {
  test("weekdays at 9:00 skip the weekend", () => {
    const weekdays = compile("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0", "2026-01-05T08:00:00Z");
    expect(instants(weekdays, "2026-01-08T09:00:00Z", 3)).toEqual(["2026-01-09T08:00:00.000Z", "2026-01-12T08:00:00.000Z", "2026-01-13T08:00:00.000Z"]);
  });

  test("the last day of the month, February included, in 2026 and in the leap year 2028", () => {
    const lastDay = compile("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18;BYMINUTE=0", "2026-01-01T00:00:00Z", "UTC");
    expect(instants(lastDay, "2026-01-01T00:00:00Z", 3)).toEqual(["2026-01-31T18:00:00.000Z", "2026-02-28T18:00:00.000Z", "2026-03-31T18:00:00.000Z"]);
    expect(instants(lastDay, "2028-01-01T00:00:00Z", 3)).toEqual(["2028-01-31T18:00:00.000Z", "2028-02-29T18:00:00.000Z", "2028-03-31T18:00:00.000Z"]);
  });

  test("sparse rules are found years ahead: 29 February, and 29 February on a Monday (2044)", () => {
    expect(nextOccurrenceAfter(compile("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "2026-01-01T09:00:00Z", "UTC"), new Date("2026-06-01T00:00:00Z"))?.at.toISOString()).toBe("2028-02-29T09:00:00.000Z");
    const monday = compile("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "2026-01-01T00:00:00Z", "UTC");
    expect(nextOccurrenceAfter(monday, new Date("2026-06-01T00:00:00Z"))?.at.toISOString()).toBe("2044-02-29T09:00:00.000Z");
  });

  test("dtstart's seconds are kept and its milliseconds dropped", () => {
    const schedule = compile("FREQ=MINUTELY;INTERVAL=10", "2026-01-01T00:00:13.789Z", "UTC");
    expect(schedule.dtstartLocal).toBe("2026-01-01T00:00:13");
    expect(nextOccurrenceAfter(schedule, new Date("2026-01-01T00:00:13.789Z"))?.at.toISOString()).toBe("2026-01-01T00:10:13.000Z");
  });

  test("a rule before its dtstart starts at dtstart", () => {
    const schedule = compile("FREQ=DAILY", "2027-05-01T09:00:00Z", "UTC");
    expect(nextOccurrenceAfter(schedule, new Date("2026-01-01T00:00:00Z"))?.at.toISOString()).toBe("2027-05-01T09:00:00.000Z");
  });
});

describe("anchors", () => {
  const rules = [
    ["FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU;BYHOUR=9;BYMINUTE=0", "2026-01-01T10:00:00Z"],
    ["FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=2;BYHOUR=9;BYMINUTE=0", "2026-01-02T10:00:00Z"],
    ["FREQ=MONTHLY;BYDAY=2TU;BYHOUR=10;BYMINUTE=30", "2026-01-01T10:00:00Z"],
    ["FREQ=YEARLY", "2026-03-29T00:30:00Z"],
    ["FREQ=HOURLY;INTERVAL=5;BYMINUTE=5,35", "2026-01-01T03:00:00Z"],
    ["FREQ=DAILY;INTERVAL=3;BYHOUR=2,17;BYMINUTE=30", "2026-01-01T10:00:00Z"],
    ["FREQ=MINUTELY;INTERVAL=7", "2026-03-28T00:00:13Z"],
  ] as const;

  /** Queries at uneven steps from dtstart, landing before, on and between occurrences, over about a year. */
  function* queries(dtstart: string): Generator<Date> {
    let query = new Date(dtstart).getTime();
    for (let i = 0; i < 150; i++) yield new Date((query += (i % 7) * 23 * 3_600_000 + 61_000 * i));
  }

  // rrule itself, walked from dtstart, is the reference; in UTC a wall time is its instant.
  test.each(rules)("%s: with an anchor and without, it agrees with rrule walked from dtstart", (rrule, dtstart) => {
    const schedule = compile(rrule, dtstart, "UTC");
    const reference = new RRule({ ...RRule.parseString(rrule), dtstart: new Date(dtstart) }).all((_, i) => i < 20_000);
    for (const query of queries(dtstart)) {
      const index = reference.findIndex((wall) => wall > query);
      if (index < 0 || index === reference.length - 1) break;
      const expected = reference[index]!.toISOString();
      expect(nextOccurrenceAfter(schedule, query)?.at.toISOString()).toBe(expected);
      for (const back of [1, 3]) {
        const anchor = reference[index - back]?.toISOString().slice(0, 19);
        expect(nextOccurrenceAfter(schedule, query, anchor)?.at.toISOString()).toBe(expected);
      }
    }
  });

  test.each(rules)("%s in Europe/Berlin: the same with an anchor as without, across both DST changes", (rrule, dtstart) => {
    const schedule = compile(rrule, dtstart);
    let anchored = 0;
    for (const query of queries(dtstart)) {
      const plain = nextOccurrenceAfter(schedule, query);
      if (!plain) break;
      for (const backMs of [3_600_000, 3 * 86_400_000, 40 * 86_400_000, 400 * 86_400_000]) {
        const earlier = nextOccurrenceAfter(schedule, new Date(query.getTime() - backMs));
        if (!earlier || earlier.at > query) continue;
        expect(nextOccurrenceAfter(schedule, query, earlier.local)).toEqual(plain);
        anchored += 1;
      }
    }
    expect(anchored).toBeGreaterThan(100);
  });

  test("with COUNT an anchor changes nothing and the count is respected", () => {
    const three = compile("FREQ=DAILY;COUNT=3;BYHOUR=9;BYMINUTE=0", "2026-01-01T08:00:00Z");
    const occurrences = chain(three, "2025-12-31T00:00:00Z", 5);
    expect(occurrences.map((o) => o.at)).toEqual(["2026-01-01T08:00:00.000Z", "2026-01-02T08:00:00.000Z", "2026-01-03T08:00:00.000Z"]);
    expect(nextOccurrenceAfter(three, new Date("2026-01-02T08:00:00Z"), "2026-01-02T09:00:00")?.at.toISOString()).toBe("2026-01-03T08:00:00.000Z");
    expect(nextOccurrenceAfter(three, new Date("2026-01-03T08:00:00Z"), "2026-01-03T09:00:00")).toBeNull();

    const many = compile("FREQ=MINUTELY;INTERVAL=7;COUNT=500", "2026-01-01T00:00:13Z", "UTC");
    const reference = new RRule({ ...RRule.parseString("FREQ=MINUTELY;INTERVAL=7;COUNT=500"), dtstart: new Date("2026-01-01T00:00:13Z") }).all();
    expect(chain(many, "2025-12-31T00:00:00Z", 600).map((o) => o.at)).toEqual(reference.map((wall) => wall.toISOString()));
  });

  test("COUNT counts the rule's wall times: one a DST gap merges into the next still counts", () => {
    const three = compile("FREQ=HOURLY;COUNT=3", "2026-03-29T00:00:00Z");
    expect(chain(three, "2026-03-28T00:00:00Z", 5).map((o) => `${o.at} ${o.local}`)).toEqual(["2026-03-29T00:00:00.000Z 2026-03-29T01:00:00", "2026-03-29T01:00:00.000Z 2026-03-29T02:00:00"]);
  });

  test("an anchor after the query, before dtstart, or malformed is ignored", () => {
    const daily = compile("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "2026-01-01T08:00:00Z");
    const expected = "2026-01-10T08:00:00.000Z";
    for (const anchor of ["2026-01-20T09:00:00", "2025-01-01T09:00:00", "yesterday", "2026-01-05T09:00", ""]) {
      expect(nextOccurrenceAfter(daily, new Date("2026-01-09T12:00:00Z"), anchor)?.at.toISOString()).toBe(expected);
    }
  });
});

describe("limits", () => {
  test("UNTIL with Z is an instant: an occurrence exactly at it is included; a floating UNTIL is wall time", () => {
    const next = (rrule: string, after: string) => nextOccurrenceAfter(compile(rrule, "2026-01-01T08:00:00Z"), new Date(after))?.at.toISOString() ?? null;
    expect(next("FREQ=DAILY;BYHOUR=9;BYMINUTE=0;UNTIL=20260110T080000Z", "2026-01-09T12:00:00Z")).toBe("2026-01-10T08:00:00.000Z");
    expect(next("FREQ=DAILY;BYHOUR=9;BYMINUTE=0;UNTIL=20260110T080000Z", "2026-01-10T08:00:00Z")).toBeNull();
    expect(next("FREQ=DAILY;BYHOUR=9;BYMINUTE=0;UNTIL=20260110T075959Z", "2026-01-09T12:00:00Z")).toBeNull();
    expect(next("FREQ=DAILY;BYHOUR=9;BYMINUTE=0;UNTIL=20260110T090000", "2026-01-09T12:00:00Z")).toBe("2026-01-10T08:00:00.000Z");
    expect(next("FREQ=DAILY;BYHOUR=9;BYMINUTE=0;UNTIL=20260110T085959", "2026-01-09T12:00:00Z")).toBeNull();
  });

  test("requireFutureOccurrence returns the next occurrence, and refuses a rule whose COUNT has run out with a sentence", () => {
    const three = compile("FREQ=DAILY;COUNT=3;BYHOUR=9;BYMINUTE=0", "2026-01-01T08:00:00Z");
    expect(requireFutureOccurrence(three, new Date("2026-01-02T12:00:00Z")).at.toISOString()).toBe("2026-01-03T08:00:00.000Z");
    expect(() => requireFutureOccurrence(three, new Date("2026-01-03T08:00:00Z"))).toThrow(
      new ScheduleError("The schedule has no occurrence after 2026-01-03T08:00:00.000Z; its COUNT or UNTIL has passed, so raise COUNT, move UNTIL later or move dtstart later."),
    );
  });

  test("a rule whose days never match is refused promptly, not walked to year 9999", () => {
    for (const rrule of ["FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=MINUTELY;BYMONTH=4;BYMONTHDAY=31", "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6"]) {
      const schedule = compile(rrule, "2025-01-01T00:00:00Z", "UTC");
      expect(() => requireFutureOccurrence(schedule, new Date("2026-01-01T00:00:00Z"))).toThrow(/never match a date within 50 years/);
    }
  });
});

describe("occurrencesThrough (catch-up counting)", () => {
  const quarter = compile("FREQ=MINUTELY;INTERVAL=15", "2026-01-01T00:00:00Z", "UTC");
  const from = { at: new Date("2026-01-05T09:00:00Z"), local: "2026-01-05T09:00:00" };

  test("counts from `from` itself through `through`, inclusive", () => {
    const covered = occurrencesThrough(quarter, from, new Date("2026-01-05T10:00:00Z"), 100);
    expect(covered).toEqual({ count: 5, last: { at: new Date("2026-01-05T10:00:00Z"), local: "2026-01-05T10:00:00" }, limitReached: false });
    expect(occurrencesThrough(quarter, from, new Date("2026-01-05T09:14:59Z"), 100)).toEqual({ count: 1, last: from, limitReached: false });
    expect(occurrencesThrough(quarter, from, new Date("2026-01-05T08:00:00Z"), 100)).toEqual({ count: 0, last: from, limitReached: false });
  });

  test("stops at the limit and says whether more were left", () => {
    const through = new Date("2026-01-05T10:00:00Z");
    expect(occurrencesThrough(quarter, from, through, 3)).toEqual({ count: 3, last: { at: new Date("2026-01-05T09:30:00Z"), local: "2026-01-05T09:30:00" }, limitReached: true });
    expect(occurrencesThrough(quarter, from, through, 5).limitReached).toBe(false);
    expect(occurrencesThrough(quarter, from, new Date("2027-01-01T00:00:00Z"), 1000).count).toBe(1000);
  });

  test("a `from` whose local is an older wall time (dtstart's, as a fallback) counts the same", () => {
    const covered = occurrencesThrough(quarter, { at: from.at, local: quarter.dtstartLocal }, new Date("2026-01-05T10:00:00Z"), 3);
    expect(covered).toEqual({ count: 3, last: { at: new Date("2026-01-05T09:30:00Z"), local: "2026-01-05T09:30:00" }, limitReached: true });
  });

  test("occurrences collapsed by a DST gap count once; a repeated hour's count once", () => {
    const berlin = compile("FREQ=MINUTELY;INTERVAL=15", "2026-01-01T00:00:00Z");
    const spring = occurrencesThrough(berlin, { at: new Date("2026-03-29T00:00:00Z"), local: "2026-03-29T01:00:00" }, new Date("2026-03-29T02:00:00Z"), 100);
    // 01:00 01:15 01:30 01:45 CET, then 02:00–03:00 local as one 03:00 CEST, 03:15 … 04:00 CEST.
    expect(spring.count).toBe(9);
    const autumn = occurrencesThrough(berlin, { at: new Date("2026-10-24T23:00:00Z"), local: "2026-10-25T01:00:00" }, new Date("2026-10-25T03:00:00Z"), 100);
    // 01:00–02:45 CEST (8), then 03:00–04:00 CET (5): the second pass of 02:xx does not fire.
    expect(autumn.count).toBe(13);
    expect(autumn.last.local).toBe("2026-10-25T04:00:00");
  });
});

describe("time zones", () => {
  test("IANA names are accepted and given their canonical case; offsets and unknown names are not", () => {
    for (const name of ["Europe/Berlin", "America/New_York", "UTC", "CET", "Etc/GMT+1", "America/Argentina/Buenos_Aires"]) expect(isIanaTimeZone(name)).toBe(true);
    for (const name of ["+01:00", "-05", "Mars/Base", "", "2020-01-01T00:00+01:00[Europe/Berlin]", "Europe/Berlin\n", "Europe/../Berlin"]) expect(isIanaTimeZone(name)).toBe(false);
    expect(compile("FREQ=DAILY", "2026-01-01T00:00:00Z", "europe/berlin").timezone).toBe("Europe/Berlin");
  });
});
