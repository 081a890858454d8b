/** Schema pieces of the automation tools (tools.md §Automations). */
import * as v from "valibot";
import { RUN_STATUSES, RUN_TRIGGERS } from "../../db/schema/values.ts";
import { dateTime, nullable, uuid } from "../schemas.ts";
import { boundedText, LIMITS } from "../limits.ts";

const nullableString = v.nullable(v.string());

export const automationOutput = v.object({
  id: v.string(),
  organizationId: v.string(),
  ownerUserId: v.string(),
  name: v.string(),
  agent: v.string(),
  targetHostId: nullableString,
  v2ProjectId: nullableString,
  v2WorkspaceId: nullableString,
  enabled: v.boolean(),
  rrule: v.string(),
  dtstart: v.string(),
  timezone: v.string(),
  nextRunAt: nullableString,
  scheduleText: v.string(),
  createdAt: v.string(),
  updatedAt: v.string(),
});

export const automationWithPromptOutput = v.object({ ...automationOutput.entries, prompt: v.string() });

export const runOutput = v.object({
  id: v.string(),
  automationId: v.string(),
  title: v.string(),
  trigger: v.picklist(RUN_TRIGGERS),
  scheduledFor: v.string(),
  coveredOccurrences: v.number(),
  coveredUntil: nullableString,
  hostId: nullableString,
  workspaceId: nullableString,
  terminalId: nullableString,
  status: v.picklist(RUN_STATUSES),
  error: nullableString,
  exitCode: v.nullable(v.number()),
  dispatchedAt: nullableString,
  startedAt: nullableString,
  finishedAt: nullableString,
  durationMs: v.nullable(v.number()),
  outputTail: nullableString,
  output: v.optional(nullableString),
});

/** The fields automations_create and automations_update share, as the hosted server names them. */
export const automationFields = {
  name: boundedText(LIMITS.name, 1),
  agent: v.pipe(boundedText(LIMITS.name, 1), v.examples(["claude", "codex"])),
  targetHostId: nullable(boundedText(LIMITS.id, 1)),
  v2ProjectId: nullable(uuid()),
  v2WorkspaceId: nullable(uuid()),
  rrule: v.pipe(boundedText(LIMITS.rrule, 1), v.examples(["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0", "FREQ=MINUTELY;INTERVAL=15"])),
  dtstart: v.optional(dateTime()),
  timezone: v.pipe(boundedText(LIMITS.timezone, 1), v.examples(["Europe/Berlin", "America/New_York", "UTC"])),
};

export const prompt = () => boundedText(LIMITS.prompt, 1);

/** How the schedule and placement parameters read, for descriptions. */
export const SCHEDULE_HELP =
  'rrule is an RFC 5545 RRULE body without DTSTART, evaluated as wall-clock time in timezone (an IANA name such as "Europe/Berlin"), so 9:00 stays 9:00 across daylight-saving changes: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0" (weekdays 9:00), "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "FREQ=MINUTELY;INTERVAL=15", "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18;BYMINUTE=0" (last day of the month). COUNT and UNTIL are allowed. Each run happens on targetHostId (a machine id from hosts_list), else on the host of v2WorkspaceId or v2ProjectId, else on any online host of the owner; it works in v2WorkspaceId, else a fresh worktree of v2ProjectId, else a fresh session folder.';
