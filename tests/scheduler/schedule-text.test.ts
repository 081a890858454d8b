/** scheduleText: the short English rendering of a schedule (docs/tools.md#automations). */
import { expect, test } from "bun:test";
import { compileSchedule } from "../../src/scheduler/schedule.ts";
import { scheduleText } from "../../src/scheduler/schedule-text.ts";

// A Thursday, 14 May 2026, 07:45 wall time: what rules that leave out a field take from dtstart.
const text = (rrule: string, dtstart = "2026-05-14T07:45:00Z") => scheduleText(compileSchedule({ rrule, dtstart: new Date(dtstart), timezone: "UTC" }));

test.each([
  ["FREQ=MINUTELY", "Every minute"],
  ["FREQ=MINUTELY;INTERVAL=15", "Every 15 minutes"],
  ["FREQ=HOURLY;BYMINUTE=0", "Every hour"],
  ["FREQ=HOURLY;INTERVAL=2;BYMINUTE=0", "Every 2 hours"],
  ["FREQ=HOURLY;BYMINUTE=5", "Every hour at :05"],
  ["FREQ=HOURLY;INTERVAL=2;BYMINUTE=30", "Every 2 hours at :30"],
  ["FREQ=HOURLY", "Every hour at :45"],
  ["FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "Daily at 9:00"],
  ["FREQ=DAILY", "Daily at 7:45"],
  ["FREQ=DAILY;INTERVAL=2;BYHOUR=9;BYMINUTE=0", "Every 2 days at 9:00"],
  ["FREQ=DAILY;BYHOUR=17;BYMINUTE=5;COUNT=10", "Daily at 17:05"],
  ["FREQ=DAILY;BYHOUR=17;BYMINUTE=5;UNTIL=20301231T000000Z", "Daily at 17:05"],
  ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0", "Weekdays at 9:00"],
  ["FREQ=DAILY;BYDAY=FR,TH,WE,TU,MO;BYHOUR=9;BYMINUTE=0", "Weekdays at 9:00"],
  ["FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=0", "Weekends at 10:00"],
  ["FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "Mondays at 9:00"],
  ["FREQ=WEEKLY;BYDAY=TH,MO;BYHOUR=9;BYMINUTE=0", "Mondays and Thursdays at 9:00"],
  ["FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=0", "Mondays, Wednesdays and Fridays at 9:00"],
  ["FREQ=WEEKLY", "Thursdays at 7:45"],
  ["FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=8;BYMINUTE=30", "Monthly on the 1st at 8:30"],
  ["FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18;BYMINUTE=0", "Monthly on the last day at 18:00"],
  ["FREQ=MONTHLY", "Monthly on the 14th at 7:45"],
  ["FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0", "Yearly on 1 January at 9:00"],
  ["FREQ=YEARLY", "Yearly on 14 May at 7:45"],
])("%s → %s", (rrule, expected) => {
  expect(text(rrule)).toBe(expected);
});

test("ordinal suffixes", () => {
  const days = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31].map((day) => text(`FREQ=MONTHLY;BYMONTHDAY=${day};BYHOUR=8;BYMINUTE=30`).replace(/^Monthly on the (\w+) at 8:30$/, "$1"));
  expect(days).toEqual(["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]);
});

test.each([
  "FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0",
  "FREQ=HOURLY;BYMINUTE=0,30",
  "FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO",
  "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
  "FREQ=MONTHLY;BYDAY=2TU",
  "FREQ=MONTHLY;BYMONTHDAY=1,15",
  "FREQ=MONTHLY;BYMONTHDAY=-2",
  "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1",
  "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
  "FREQ=MINUTELY;BYMINUTE=0,30",
  "FREQ=HOURLY;BYHOUR=9",
  "FREQ=DAILY;BYMONTH=6",
  "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1",
])("%s → Custom", (rrule) => {
  expect(text(rrule)).toBe("Custom");
});
