/** Schedule refusals: each bad rule, zone or start is a ScheduleError with one sentence saying what to write instead. */
import { describe, expect, test } from "bun:test";
import { compileSchedule, nextOccurrenceAfter, ScheduleError } from "../../src/scheduler/schedule.ts";

const DTSTART = new Date("2026-01-05T00:00:00Z");

function refusal(rrule: string, { timezone = "UTC", dtstart = DTSTART } = {}): string {
  try {
    compileSchedule({ rrule, dtstart, timezone });
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    const message = (error as Error).message;
    expect(message).toMatch(/^[^\n]{10,400}[.]$/); // one line, one sentence, no stack
    return message;
  }
  throw new Error(`accepted: ${JSON.stringify(rrule)}`);
}

describe("refused rules say which part is wrong and what to write", () => {
  test.each([
    ["", "The rule is empty; write an RRULE body such as FREQ=DAILY;BYHOUR=9;BYMINUTE=0."],
    ["BYHOUR=9;BYMINUTE=0", "The rule has no FREQ; start it with FREQ=MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY, e.g. FREQ=DAILY;BYHOUR=9;BYMINUTE=0."],
    ["FREQ=SECONDLY", "FREQ=SECONDLY is not supported: the shortest schedule is every minute, FREQ=MINUTELY."],
    ["FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY is not valid: FREQ takes MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY, e.g. FREQ=DAILY."],
    ["FREQ=DAILY;BYHOUR=24", "BYHOUR=24 is not valid: BYHOUR takes hours from 0 to 23, e.g. BYHOUR=9,17."],
    ["FREQ=DAILY;BYSECOND=0,30", "BYSECOND=0,30 is not valid: BYSECOND takes a single second from 0 to 59 (a schedule fires at most once a minute), e.g. BYSECOND=0."],
    ["FREQ=DAILY;FOO=1", '"FOO" is not an RRULE part; the parts are FREQ, INTERVAL, COUNT, UNTIL, BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY, BYDAY, BYHOUR, BYMINUTE, BYSECOND, BYSETPOS, WKST.'],
    ["FREQ=DAILY;BYHOUR", 'The rule part "BYHOUR" is not of the form KEY=VALUE; separate parts with ";" as in FREQ=DAILY;BYHOUR=9;BYMINUTE=0.'],
    ["FREQ=DAILY;;BYHOUR=9", 'The rule has an empty part (a doubled or trailing ";"); separate KEY=VALUE parts with single semicolons, e.g. FREQ=DAILY;BYHOUR=9;BYMINUTE=0.'],
    ["FREQ=DAILY;FREQ=WEEKLY", "FREQ appears more than once in the rule; give it once."],
    ["FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z", "COUNT and UNTIL cannot both be given; keep one of them."],
    ["FREQ=DAILY;UNTIL=20261231", "UNTIL=20261231 is a date without a time; write a date-time such as UNTIL=20261231T235959Z."],
    ["FREQ=WEEKLY;BYDAY=2TU", "A numbered weekday such as BYDAY=2TU needs FREQ=MONTHLY or FREQ=YEARLY; with FREQ=WEEKLY write plain days such as BYDAY=TU."],
    ["FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY cannot be used with FREQ=WEEKLY; use BYDAY for days of the week, or FREQ=MONTHLY for days of the month."],
    ["FREQ=DAILY;BYSETPOS=1", "BYSETPOS needs another BY part to pick from, e.g. FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1 for the last weekday of the month."],
  ])("%j", (rrule, message) => {
    expect(refusal(rrule)).toBe(message);
  });

  test.each([
    ["FREQ=DAILY;COUNT=0", "COUNT takes a whole number from 1 to 10000"],
    ["FREQ=DAILY;COUNT=20000", "COUNT takes a whole number from 1 to 10000"],
    ["FREQ=DAILY;INTERVAL=-2", "INTERVAL takes a whole number"],
    ["FREQ=DAILY;BYHOUR=nine", "BYHOUR=NINE is not valid"],
    ["FREQ=WEEKLY;BYDAY=XX", "BYDAY takes weekdays MO, TU"],
    ["FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY takes days of the month from 1 to 31 or -31 to -1"],
    ["FREQ=MONTHLY;BYDAY=0MO", "BYDAY=0MO is not valid"],
    ["FREQ=DAILY;UNTIL=20260230T000000Z", "UNTIL=20260230T000000Z is not valid"],
    ["FREQ=DAILY;BYWEEKNO=1", "BYWEEKNO only works with FREQ=YEARLY"],
    ["FREQ=MONTHLY;BYYEARDAY=1", "BYYEARDAY cannot be used with FREQ=MONTHLY; use FREQ=YEARLY"],
    ["FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO", "cannot be combined with BYWEEKNO"],
    ["FREQ=DAILY;BYEASTER=0", '"BYEASTER" is not an RRULE part'],
  ])("%j", (rrule, part) => {
    expect(refusal(rrule)).toContain(part);
  });

  test("a rule must not carry its own DTSTART or span several lines", () => {
    const dtstartMessage = "The rule must not contain DTSTART or TZID; give the start as dtstart and the zone as timezone, and write only the RRULE body, e.g. FREQ=DAILY;BYHOUR=9;BYMINUTE=0.";
    expect(refusal("DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY")).toBe(dtstartMessage);
    expect(refusal("FREQ=DAILY;DTSTART=20260101T090000Z")).toBe(dtstartMessage);
    expect(refusal("FREQ=DAILY;TZID=Europe/Berlin")).toBe(dtstartMessage);
    expect(refusal("RRULE:FREQ=DAILY\nRRULE:FREQ=WEEKLY")).toBe("The rule must be a single RRULE line, not several lines, e.g. FREQ=DAILY;BYHOUR=9;BYMINUTE=0.");
  });

  test("rules the rrule engine would loop on forever are refused with the form to write instead", () => {
    expect(refusal("FREQ=MINUTELY;BYDAY=MO;BYHOUR=9")).toBe(
      "FREQ=MINUTELY cannot combine BYHOUR with BYDAY; write it as FREQ=HOURLY with BYHOUR and BYMINUTE, e.g. FREQ=HOURLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,10,11;BYMINUTE=0,15,30,45.",
    );
    expect(refusal("FREQ=MINUTELY;INTERVAL=90;BYHOUR=3")).toContain("cannot combine BYHOUR with an INTERVAL above 60");
    expect(refusal("FREQ=HOURLY;INTERVAL=2;BYHOUR=3")).toBe("FREQ=HOURLY;INTERVAL=2 steps from hour 0 of dtstart and never reaches BYHOUR=3; list hours it reaches or move dtstart.");
    expect(refusal("FREQ=MINUTELY;INTERVAL=15;BYMINUTE=5,20")).toContain("never reaches BYMINUTE=5,20");
    // The same rules from a start they do step onto are fine.
    const odd = compileSchedule({ rrule: "FREQ=HOURLY;INTERVAL=2;BYHOUR=3", dtstart: new Date("2026-01-05T01:00:00Z"), timezone: "UTC" });
    expect(nextOccurrenceAfter(odd, new Date("2026-01-05T01:00:00Z"))?.at.toISOString()).toBe("2026-01-05T03:00:00.000Z");
    const quarter = compileSchedule({ rrule: "FREQ=MINUTELY;INTERVAL=15;BYMINUTE=5,20", dtstart: new Date("2026-01-05T00:05:00Z"), timezone: "UTC" });
    expect(nextOccurrenceAfter(quarter, new Date("2026-01-05T00:05:00Z"))?.at.toISOString()).toBe("2026-01-05T00:20:00.000Z");
  });

  test("hostile input is refused cleanly", () => {
    expect(refusal(`FREQ=DAILY;${"BYHOUR=1;".repeat(60)}`)).toContain("characters long; an RRULE body has at most 500");
    expect(refusal("ＦREQ=DAILY")).toContain("is not an RRULE part");
    expect(refusal("FREQ=DAILY;BYHOUR=９")).toContain("BYHOUR=９ is not valid");
    expect(refusal("FREQ=DAILY;BYHOUR=9\u0000")).toContain("BYHOUR=9\\u0000 is not valid");
    expect(refusal("FREQ=DAILY;X=</script><b>")).toContain("is not an RRULE part");
    expect(refusal(`FREQ=DAILY;${"A".repeat(400)}=1`)).toMatch(/^"A{40}…" is not an RRULE part/);
    expect(refusal("FREQ=DAILY;BYDAY=MO,,TU")).toContain("BYDAY=MO,,TU is not valid");
    expect(refusal(undefined as unknown as string)).toContain("The rule must be text");
  });
});

describe("refused time zones and starts", () => {
  test.each(["+01:00", "Mars/Base", "", "Europe/Berlin; DROP TABLE", "2026-01-01T00:00+01:00[Europe/Berlin]"])("time zone %j", (timezone) => {
    expect(refusal("FREQ=DAILY", { timezone })).toEndWith('is not an IANA time zone name; write one such as "Europe/Berlin" or "America/New_York".');
  });

  test("an invalid or far-off dtstart", () => {
    expect(refusal("FREQ=DAILY", { dtstart: new Date("soon") })).toBe("dtstart is not a valid date-time; give an ISO 8601 instant such as 2026-01-05T09:00:00Z.");
    expect(refusal("FREQ=DAILY", { dtstart: new Date("1066-10-14T09:00:00Z") })).toContain("out of range; give a date-time between the years 1900 and 9000");
  });
});

describe("accepted rules are normalized", () => {
  test("RRULE: prefix, lower case and spaces around parts; parts in RFC order", () => {
    const schedule = compileSchedule({ rrule: " rrule:byminute=0; freq=weekly ;byday=mo,tu,we,th,fr;byhour=9", dtstart: DTSTART, timezone: "Europe/Berlin" });
    expect(schedule.rrule).toBe("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0");
    expect(schedule.dtstartLocal).toBe("2026-01-05T01:00:00");
    expect(schedule.hasCount).toBe(false);
    expect(compileSchedule({ rrule: "FREQ=DAILY;COUNT=2", dtstart: DTSTART, timezone: "UTC" }).hasCount).toBe(true);
  });
});
