/**
 * The RRULE body of a schedule: split into parts, checked against RFC 5545 and against the limits
 * of the rrule package, then handed to rrule's own parser. Every refusal is a ScheduleError whose
 * message is one sentence saying what is wrong and what to write instead (a model reads it).
 */
import { RRule, type Options } from "rrule";

/** A schedule the caller must change; the message is one sentence that says how. */
export class ScheduleError extends Error {
  override name = "ScheduleError";
}

/** The RFC 5545 RRULE parts a schedule may use (BYEASTER, an rrule extension, is not one), in the order a normalized rule lists them. */
export const RULE_PARTS = ["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND", "BYSETPOS", "WKST"] as const;
export type RulePart = (typeof RULE_PARTS)[number];
/** A checked rule's parts by name, values upper-case and as written. */
export type RuleParts = Readonly<Partial<Record<RulePart, string>>>;

/** Longest rule body, as the catalog allows for `rrule` (tests/tools/spec/tools.md#automations). */
export const RULE_MAX_LENGTH = 500;
/** A COUNT rule is expanded once from dtstart to find where it ends, so its length stays bounded. */
export const RULE_MAX_COUNT = 10_000;
const RULE_MAX_INTERVAL = 1000;
const EXAMPLE = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0";
const FREQUENCIES = ["MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"];
const DAY_PARTS = ["BYDAY", "BYMONTHDAY", "BYMONTH", "BYYEARDAY", "BYWEEKNO"] as const;

/** A rule ready for rrule: `options` lacks dtstart, and UNTIL is still as written (see `untilIsUtc`). */
export interface ParsedRule {
  body: string;
  parts: RuleParts;
  options: Partial<Options>;
  untilIsUtc: boolean;
}

/** Wall-clock hour and minute of dtstart, which sub-daily rules step from. */
export interface RuleStart {
  hour: number;
  minute: number;
}

interface PartRule {
  /** Completes "BYHOUR takes …". */
  takes: string;
  example: string;
  isValid(value: string): boolean;
}

/** A check for a comma-separated list of whole numbers from min to max (or -max to -min when signed). */
const numbers =
  (min: number, max: number, { signed = false, single = false } = {}) =>
  (value: string): boolean => {
    const items = value.split(",");
    const pattern = signed ? /^[+-]?\d{1,4}$/ : /^\d{1,5}$/;
    if (single && items.length !== 1) return false;
    return items.every((item) => pattern.test(item) && Math.abs(Number(item)) >= min && Math.abs(Number(item)) <= max);
  };

const WEEKDAY = /^(?:([+-]?)(\d{1,2}))?(MO|TU|WE|TH|FR|SA|SU)$/;
const UNTIL = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z?$/;

function isUntil(value: string): boolean {
  const match = UNTIL.exec(value);
  if (!match) return false;
  const [, y, mo, d, h, mi, s] = match;
  try {
    Temporal.PlainDateTime.from(`${y}-${mo}-${d}T${h}:${mi}:${s}`);
    return Number(s) < 60; // Temporal reads second 60 as 59; a rule should not say 60.
  } catch {
    return false;
  }
}

const PART_RULES: Record<RulePart, PartRule> = {
  FREQ: { takes: "MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY", example: "DAILY", isValid: (v) => FREQUENCIES.includes(v) },
  INTERVAL: { takes: `a whole number from 1 to ${RULE_MAX_INTERVAL}`, example: "2", isValid: numbers(1, RULE_MAX_INTERVAL, { single: true }) },
  COUNT: { takes: `a whole number from 1 to ${RULE_MAX_COUNT}`, example: "10", isValid: numbers(1, RULE_MAX_COUNT, { single: true }) },
  UNTIL: { takes: "a date-time, in UTC with a Z or as wall time in the schedule's zone without", example: "20261231T235959Z", isValid: isUntil },
  BYMONTH: { takes: "months from 1 to 12", example: "1,7", isValid: numbers(1, 12) },
  BYWEEKNO: { takes: "week numbers from 1 to 53 or -53 to -1", example: "1,-1", isValid: numbers(1, 53, { signed: true }) },
  BYYEARDAY: { takes: "days of the year from 1 to 366 or -366 to -1", example: "1,-1", isValid: numbers(1, 366, { signed: true }) },
  BYMONTHDAY: { takes: "days of the month from 1 to 31 or -31 to -1 (-1 is the last day)", example: "1,-1", isValid: numbers(1, 31, { signed: true }) },
  BYDAY: {
    takes: "weekdays MO, TU, WE, TH, FR, SA, SU, numbered like 2TU or -1FR in monthly and yearly rules",
    example: "MO,WE,FR",
    isValid: (v) =>
      v.split(",").every((day) => {
        const match = WEEKDAY.exec(day);
        return !!match && (match[2] === undefined || (Number(match[2]) >= 1 && Number(match[2]) <= 53));
      }),
  },
  BYHOUR: { takes: "hours from 0 to 23", example: "9,17", isValid: numbers(0, 23) },
  BYMINUTE: { takes: "minutes from 0 to 59", example: "0,30", isValid: numbers(0, 59) },
  BYSECOND: { takes: "a single second from 0 to 59 (a schedule fires at most once a minute)", example: "0", isValid: numbers(0, 59, { single: true }) },
  BYSETPOS: { takes: "positions from 1 to 366 or -366 to -1", example: "-1", isValid: numbers(1, 366, { signed: true }) },
  WKST: { takes: "one weekday: MO, TU, WE, TH, FR, SA or SU", example: "MO", isValid: (v) => /^(MO|TU|WE|TH|FR|SA|SU)$/.test(v) },
};

/** A short, quoted, one-line rendering of user text for a message. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

const isRulePart = (key: string): key is RulePart => (RULE_PARTS as readonly string[]).includes(key);

function splitParts(text: string): RuleParts {
  if (/DTSTART|TZID/i.test(text))
    throw new ScheduleError(`The rule must not contain DTSTART or TZID; give the start as dtstart and the zone as timezone, and write only the RRULE body, e.g. ${EXAMPLE}.`);
  if (/[\r\n]/.test(text)) throw new ScheduleError(`The rule must be a single RRULE line, not several lines, e.g. ${EXAMPLE}.`);
  const body = text.trim().replace(/^RRULE:/i, "");
  if (body.trim() === "") throw new ScheduleError(`The rule is empty; write an RRULE body such as ${EXAMPLE}.`);
  const parts: Partial<Record<RulePart, string>> = {};
  for (const raw of body.split(";")) {
    const part = raw.trim();
    if (part === "") throw new ScheduleError(`The rule has an empty part (a doubled or trailing ";"); separate KEY=VALUE parts with single semicolons, e.g. ${EXAMPLE}.`);
    const [key = "", value, ...rest] = part.split("=").map((s) => s.trim().toUpperCase());
    if (value === undefined || rest.length > 0) throw new ScheduleError(`The rule part ${quote(part)} is not of the form KEY=VALUE; separate parts with ";" as in ${EXAMPLE}.`);
    if (!isRulePart(key)) throw new ScheduleError(`${quote(key)} is not an RRULE part; the parts are ${RULE_PARTS.join(", ")}.`);
    if (parts[key] !== undefined) throw new ScheduleError(`${key} appears more than once in the rule; give it once.`);
    if (key === "FREQ" && value === "SECONDLY") throw new ScheduleError("FREQ=SECONDLY is not supported: the shortest schedule is every minute, FREQ=MINUTELY.");
    if (key === "UNTIL" && /^\d{8}$/.test(value)) throw new ScheduleError(`UNTIL=${value} is a date without a time; write a date-time such as UNTIL=${value}T235959Z.`);
    const rule = PART_RULES[key];
    if (!rule.isValid(value)) throw new ScheduleError(`${key}=${quote(value).slice(1, -1)} is not valid: ${key} takes ${rule.takes}, e.g. ${key}=${rule.example}.`);
    parts[key] = value;
  }
  return parts;
}

/** RFC 5545 §3.3.10 combinations a rule must not use. */
function combinationProblem(parts: RuleParts, freq: string): string | undefined {
  const numberedDay = parts.BYDAY?.split(",").some((day) => /\d/.test(day));
  if (parts.COUNT && parts.UNTIL) return "COUNT and UNTIL cannot both be given; keep one of them.";
  if (parts.BYWEEKNO && freq !== "YEARLY") return `BYWEEKNO only works with FREQ=YEARLY, not FREQ=${freq}.`;
  if (parts.BYYEARDAY && ["DAILY", "WEEKLY", "MONTHLY"].includes(freq)) return `BYYEARDAY cannot be used with FREQ=${freq}; use FREQ=YEARLY with BYYEARDAY.`;
  if (parts.BYMONTHDAY && freq === "WEEKLY") return "BYMONTHDAY cannot be used with FREQ=WEEKLY; use BYDAY for days of the week, or FREQ=MONTHLY for days of the month.";
  if (numberedDay && !["MONTHLY", "YEARLY"].includes(freq)) return `A numbered weekday such as BYDAY=2TU needs FREQ=MONTHLY or FREQ=YEARLY; with FREQ=${freq} write plain days such as BYDAY=TU.`;
  if (numberedDay && parts.BYWEEKNO) return "A numbered weekday such as BYDAY=2TU cannot be combined with BYWEEKNO; write plain days such as BYDAY=TU.";
  const hasOtherBy = RULE_PARTS.some((key) => key.startsWith("BY") && key !== "BYSETPOS" && parts[key] !== undefined);
  if (parts.BYSETPOS && !hasOtherBy) return "BYSETPOS needs another BY part to pick from, e.g. FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1 for the last weekday of the month.";
  return undefined;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * rrule 2.8.1 advances sub-daily rules in loops that only end on an hour or minute the rule
 * lists, so a listed value the INTERVAL never steps onto, or BYHOUR with a day filter under
 * FREQ=MINUTELY (its end-of-day jump breaks the stepping), would hang the process.
 */
function unreachableProblem(parts: RuleParts, freq: string, interval: number, start: RuleStart): string | undefined {
  const listed = (value: string | undefined) => value?.split(",").map(Number) ?? [];
  const reaches = (values: number[], from: number, cycle: number) => {
    const step = gcd(interval, cycle);
    return values.length === 0 || values.some((v) => (v - from) % step === 0);
  };
  if (freq === "MINUTELY" && parts.BYHOUR) {
    const dayPart = DAY_PARTS.find((key) => parts[key] !== undefined);
    if (dayPart || interval > 60) {
      const why = dayPart ? `BYHOUR with ${dayPart}` : "BYHOUR with an INTERVAL above 60";
      return `FREQ=MINUTELY cannot combine ${why}; write it as FREQ=HOURLY with BYHOUR and BYMINUTE, e.g. FREQ=HOURLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,10,11;BYMINUTE=0,15,30,45.`;
    }
  }
  if (freq === "MINUTELY" && !reaches(listed(parts.BYMINUTE), start.minute, 60)) {
    return `FREQ=MINUTELY;INTERVAL=${interval} steps from minute ${start.minute} of dtstart and never reaches BYMINUTE=${parts.BYMINUTE}; list minutes it reaches or move dtstart.`;
  }
  if (freq === "HOURLY" && !reaches(listed(parts.BYHOUR), start.hour, 24)) {
    return `FREQ=HOURLY;INTERVAL=${interval} steps from hour ${start.hour} of dtstart and never reaches BYHOUR=${parts.BYHOUR}; list hours it reaches or move dtstart.`;
  }
  return undefined;
}

/** What a rule text says whatever dtstart is: its parts and rrule's options (null: rrule could not read it). */
interface ReadRule {
  parts: RuleParts;
  freq: string;
  body: string;
  options: Partial<Options> | null;
}

/** Rules read so far, by text: a scheduler compiles thousands of schedules that share a handful of rules. */
const readRules = new Map<string, ReadRule>();
const READ_RULES_MAX = 1000;

/** Reads a rule text; throws ScheduleError for a malformed one (which is never stored, so never cached). */
function readRule(text: string): ReadRule {
  const parts = splitParts(text);
  const freq = parts.FREQ;
  if (!freq) throw new ScheduleError(`The rule has no FREQ; start it with FREQ=MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY, e.g. ${EXAMPLE}.`);
  const problem = combinationProblem(parts, freq);
  if (problem) throw new ScheduleError(problem);
  const body = RULE_PARTS.filter((key) => parts[key] !== undefined)
    .map((key) => `${key}=${parts[key]}`)
    .join(";");
  try {
    const options = RRule.parseString(body);
    new RRule({ ...options, dtstart: new Date(0) }, true); // rrule's own option checks, before any query
    return { parts, freq, body, options };
  } catch {
    return { parts, freq, body, options: null };
  }
}

/**
 * Parses and checks an RRULE body (an optional leading "RRULE:" is dropped); throws ScheduleError.
 * The returned parts and options may be shared with other schedules of the same rule text: read only.
 */
export function parseRule(text: string, start: RuleStart): ParsedRule {
  if (typeof text !== "string") throw new ScheduleError(`The rule must be text, an RRULE body such as ${EXAMPLE}.`);
  if (text.length > RULE_MAX_LENGTH) throw new ScheduleError(`The rule is ${text.length} characters long; an RRULE body has at most ${RULE_MAX_LENGTH}, e.g. ${EXAMPLE}.`);
  let read = readRules.get(text);
  if (!read) {
    read = readRule(text);
    if (readRules.size >= READ_RULES_MAX) readRules.clear();
    readRules.set(text, read);
  }
  const { parts, freq, body, options } = read;
  // Reachability depends on dtstart's hour and minute, so it is checked per schedule (before rrule's own verdict, as a clearer sentence).
  const problem = unreachableProblem(parts, freq, Number(parts.INTERVAL ?? 1), start);
  if (problem) throw new ScheduleError(problem);
  if (!options) throw new ScheduleError(`The rule ${quote(body)} could not be read; check it against RFC 5545, e.g. ${EXAMPLE}.`);
  return { body, parts, options, untilIsUtc: parts.UNTIL?.endsWith("Z") ?? false };
}
