/** The schedule examples of the README's Automations section say what the server says. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileSchedule } from "../../src/scheduler/schedule.ts";
import { scheduleText } from "../../src/scheduler/schedule-text.ts";

const README = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");

test("every rrule row of the README's schedule table renders as its scheduleText", () => {
  const section = README.slice(README.indexOf("### Schedules"), README.indexOf("### Where a run happens"));
  const rows = [...section.matchAll(/^\| `(FREQ=[^`]+)` \| ([^|]+?) \|$/gm)].map((match) => [match[1]!, match[2]!.replace(/ \(.*\)$/, "")] as const);
  expect(rows.length).toBeGreaterThanOrEqual(6);
  for (const [rrule, text] of rows) {
    const schedule = compileSchedule({ rrule, dtstart: new Date("2031-01-06T08:00:00Z"), timezone: "Europe/Berlin" });
    expect(`${rrule} → ${scheduleText(schedule)}`).toBe(`${rrule} → ${text}`);
  }
});
