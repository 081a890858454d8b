/**
 * Automation schedules (docs/hosts-and-automations.md#automations): an RRULE evaluated in the wall-clock
 * time of an IANA zone, so "09:00 on weekdays" stays 09:00 across daylight-saving changes. rrule
 * expands the rule in floating time (wall-clock fields carried in UTC Dates); Temporal maps each
 * wall time to its instant. Pure: no clock, no database, no timers.
 */
import { Frequency, RRule, type Options } from "rrule";
import { parseRule, quote, ScheduleError, type RuleParts } from "./schedule-rule.ts";

export { ScheduleError };
export type { RuleParts };

/** A schedule as an automation stores it: an RRULE body, its start instant and an IANA zone. */
export interface ScheduleInput {
  rrule: string;
  dtstart: Date;
  timezone: string;
}

/** A checked schedule, ready for the functions below. */
export interface CompiledSchedule {
  /** The normalized RRULE body: upper-case, parts in RFC order, without "RRULE:". */
  readonly rrule: string;
  /** The zone's canonical IANA name ("europe/berlin" becomes "Europe/Berlin"). */
  readonly timezone: string;
  /** dtstart's wall time in the zone, "YYYY-MM-DDTHH:MM:SS", milliseconds dropped. */
  readonly dtstartLocal: string;
  readonly hasCount: boolean;
  /** The rule's parts by name, for renderings such as scheduleText. */
  readonly parts: RuleParts;
  /** rrule options without dtstart, in wall time: a UTC UNTIL is already converted to the zone. */
  readonly options: Readonly<Partial<Options>>;
  /** dtstartLocal as floating milliseconds (its wall-clock fields read as UTC). */
  readonly dtstartWallMs: number;
}

/** One occurrence: its instant, and the wall time the rule produced (before a DST gap moved it), which is what an anchor is. */
export interface Occurrence {
  at: Date;
  local: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const LAST_WALL = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));
/** How far ahead a query looks for the next occurrence; "29 February on a Monday" recurs within it. */
const HORIZON_DAYS = 50 * 366;
/**
 * Days of wall time one rrule period covers at least, to turn a stretch into a period budget.
 * Sub-daily rules count a day per period: rrule passes a non-matching day in one period and loops
 * to the next listed hour or minute inside one, so their periods are days skipped plus occurrences.
 */
const PERIOD_DAYS: Record<Frequency, number> = {
  [Frequency.YEARLY]: 365,
  [Frequency.MONTHLY]: 28,
  [Frequency.WEEKLY]: 7,
  [Frequency.DAILY]: 1,
  [Frequency.HOURLY]: 1,
  [Frequency.MINUTELY]: 1,
  [Frequency.SECONDLY]: 1,
};
/** Occurrences a walk may pass at or before `after`: those of a repeated hour, at most 180 (every minute of a 3-hour fall-back). */
const MAX_SKIPPED = 1000;
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const LOCAL_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

function canonicalZone(name: unknown): string | null {
  // The pattern keeps out what Temporal also takes as a zone: offsets ("+01:00") and ISO date-time strings.
  if (typeof name !== "string" || name.length > 64 || !ZONE_NAME.test(name)) return null;
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(name).timeZoneId;
  } catch {
    return null;
  }
}

/** True for a time zone name the runtime knows from the IANA database ("Europe/Berlin", "UTC"), false for offsets like "+01:00". */
export function isIanaTimeZone(name: string): boolean {
  return canonicalZone(name) !== null;
}

function wallOf(instantMs: number, timeZone: string): number {
  const z = Temporal.Instant.fromEpochMilliseconds(instantMs).toZonedDateTimeISO(timeZone);
  return Date.UTC(z.year, z.month - 1, z.day, z.hour, z.minute, z.second, z.millisecond);
}

/** A skipped wall time (DST gap) moves forward to the instant the gap ends; a repeated one takes its earlier instant. */
function instantOf(wall: Date, timeZone: string): number {
  const local = new Temporal.PlainDateTime(wall.getUTCFullYear(), wall.getUTCMonth() + 1, wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds());
  const zoned = local.toZonedDateTime(timeZone, { disambiguation: "earlier" });
  if (Date.UTC(zoned.year, zoned.month - 1, zoned.day, zoned.hour, zoned.minute, zoned.second) === wall.getTime()) return zoned.epochMilliseconds;
  // In a gap, "earlier" answers with an instant before it; the gap ends at the zone's next transition.
  return zoned.getTimeZoneTransition("next")?.epochMilliseconds ?? zoned.epochMilliseconds;
}

const localText = (wallMs: number) => new Date(wallMs).toISOString().slice(0, 19);

/** Checks a schedule and prepares it for queries; throws ScheduleError with a sentence the caller can act on. */
export function compileSchedule({ rrule, dtstart, timezone }: ScheduleInput): CompiledSchedule {
  const zone = canonicalZone(timezone);
  if (!zone) throw new ScheduleError(`${quote(String(timezone))} is not an IANA time zone name; write one such as "Europe/Berlin" or "America/New_York".`);
  if (!(dtstart instanceof Date) || Number.isNaN(dtstart.getTime())) throw new ScheduleError("dtstart is not a valid date-time; give an ISO 8601 instant such as 2026-01-05T09:00:00Z.");
  if (dtstart.getUTCFullYear() < 1900 || dtstart.getUTCFullYear() > 9000)
    throw new ScheduleError(`dtstart ${dtstart.toISOString()} is out of range; give a date-time between the years 1900 and 9000.`);
  const dtstartWallMs = wallOf(Math.floor(dtstart.getTime() / 1000) * 1000, zone);
  const start = new Date(dtstartWallMs);
  const rule = parseRule(rrule, { hour: start.getUTCHours(), minute: start.getUTCMinutes() });
  const options = { ...rule.options };
  // rrule reads every UNTIL as floating; one written with Z is an instant, so it becomes the zone's wall time.
  if (options.until && rule.untilIsUtc) options.until = new Date(wallOf(options.until.getTime(), zone));
  return { rrule: rule.body, timezone: zone, dtstartLocal: localText(dtstartWallMs), hasCount: options.count != null, parts: rule.parts, options, dtstartWallMs };
}

/**
 * Length of one INTERVAL when a rule's periods are fixed stretches of wall time: rrule started at
 * any later point of that grid yields the same occurrences from there. Not for WEEKLY with
 * BYSETPOS, whose positions rrule counts in the (partial) week of its start.
 */
function intervalMs({ options, parts }: CompiledSchedule): number | null {
  const unit = { [Frequency.MINUTELY]: MINUTE_MS, [Frequency.HOURLY]: HOUR_MS, [Frequency.DAILY]: DAY_MS, [Frequency.WEEKLY]: 7 * DAY_MS }[options.freq as number];
  if (unit === undefined || (options.freq === Frequency.WEEKLY && parts.BYSETPOS)) return null;
  return unit * (options.interval ?? 1);
}

/** Where rrule starts walking: the latest known point of the rule's grid at or before `fromWallMs`, dtstart at the earliest. */
function walkStart(schedule: CompiledSchedule, fromWallMs: number, anchorLocal: string | null | undefined): number {
  let start = schedule.dtstartWallMs;
  const step = intervalMs(schedule);
  if (step !== null && fromWallMs > start) start += Math.floor((fromWallMs - start) / step) * step;
  // An earlier occurrence lies in an INTERVAL-aligned period and carries dtstart's defaults (time of day, weekday, day of month), so rrule may start there instead.
  const anchor = anchorLocal && LOCAL_TEXT.test(anchorLocal) ? Date.parse(`${anchorLocal}Z`) : NaN;
  const anchorUsable = !(schedule.options.freq === Frequency.WEEKLY && schedule.parts.BYSETPOS);
  if (anchorUsable && anchor > start && anchor <= fromWallMs) start = anchor;
  return start;
}

/** Most rrule periods a walk may take: the horizon, the stretch it skips before `fromWallMs`, and the occurrences it visits. */
function periodBudget(schedule: CompiledSchedule, startMs: number, fromWallMs: number, visits: number): number {
  const days = HORIZON_DAYS + Math.max(0, fromWallMs - startMs) / DAY_MS;
  return Math.ceil(days / PERIOD_DAYS[schedule.options.freq as Frequency]) + visits;
}

/**
 * An rrule allowed to walk `periods` periods: rrule stops only at an occurrence it produces or at
 * year 9999, so a rule whose days never match (30 February) would otherwise walk every day until
 * then. rrule 2.8.1 reads `options.interval` twice per period and ends the walk when it reads 0.
 */
function boundedRule(options: Partial<Options>, dtstart: Date, periods: number): RRule {
  const rule = new RRule({ ...options, dtstart }, true);
  const interval = rule.options.interval;
  let reads = 0;
  Object.defineProperty(rule.options, "interval", { get: () => (++reads > 2 * periods + 1 ? 0 : interval) });
  return rule;
}

const walkOptionsOf = new WeakMap<CompiledSchedule, Partial<Options>>();

/**
 * The options walks use. COUNT numbers occurrences from dtstart, so a walk could not start near its
 * query; the rule with UNTIL at the wall time of its last occurrence has the same occurrences and
 * can. That last occurrence (within the horizon from dtstart) is found once per compiled schedule,
 * on first use.
 */
function walkOptions(schedule: CompiledSchedule): Partial<Options> {
  const count = schedule.options.count;
  if (count == null) return schedule.options;
  let options = walkOptionsOf.get(schedule);
  if (!options) {
    const horizon = new Date(schedule.dtstartWallMs + HORIZON_DAYS * DAY_MS); // a COUNT of 10,000 yearly occurrences would walk to year 9999
    const rule = boundedRule({ ...schedule.options, until: horizon }, new Date(schedule.dtstartWallMs), periodBudget(schedule, 0, 0, count));
    let lastWallMs = schedule.dtstartWallMs - 1000; // none at all: an UNTIL before dtstart
    rule.all((wall) => {
      lastWallMs = wall.getTime();
      return true;
    });
    options = { ...schedule.options, count: null, until: new Date(lastWallMs) };
    walkOptionsOf.set(schedule, options);
  }
  return options;
}

/** A walk over the rule from one wall time, and where rrule starts it. */
interface Walk {
  schedule: CompiledSchedule;
  options: Partial<Options>;
  fromWallMs: number;
  startMs: number;
  /**
   * Everything the walk's occurrences depend on. rrule reads the rule and the zone (the options
   * come from them, except a COUNT rule's UNTIL, which comes from dtstart) and starts at startMs,
   * taking its default second, minute, hour, weekday and day of month from there: dtstart enters
   * only through startMs. So schedules created at different times share walks from one anchor.
   */
  key: string;
}

function planWalk(schedule: CompiledSchedule, fromWallMs: number, anchorLocal: string | null | undefined): Walk {
  const options = walkOptions(schedule);
  const startMs = walkStart(schedule, fromWallMs, anchorLocal);
  const key = `${schedule.rrule}|${schedule.timezone}|${options.until?.getTime() ?? ""}|${startMs}|${fromWallMs}`;
  return { schedule, options, fromWallMs, startMs, key };
}

/** Hands the walk's occurrences (wall time at or after its start) to `visit`, in order, until it returns false or `maxVisits` were visited. */
function walk({ schedule, options, fromWallMs, startMs }: Walk, maxVisits: number, visit: (occurrence: Occurrence) => boolean): void {
  if (options.until && options.until.getTime() < fromWallMs) return; // ended: rrule would still walk until it produced one past UNTIL
  const rule = boundedRule(options, new Date(startMs), periodBudget(schedule, startMs, fromWallMs, maxVisits));
  let visits = 0;
  rule.between(new Date(Math.max(fromWallMs, startMs)), LAST_WALL, true, (wall) => {
    const occurrence = { at: new Date(instantOf(wall, schedule.timezone)), local: localText(wall.getTime()) };
    return ++visits <= maxVisits && visit(occurrence);
  });
}

/** Occurrences counted by occurrencesThrough. */
export interface Covered {
  count: number;
  last: Occurrence;
  limitReached: boolean;
}

/**
 * Answers kept for other schedules asking the same (see Walk.key): thousands of automations due
 * together mostly share a few rules and anchors, and each rrule walk costs tens of microseconds.
 * One memo serves one batch of queries, such as a scheduler's wake-up; answers taken from it are
 * shared, so read only.
 */
export interface OccurrenceMemo {
  readonly next: Map<string, Occurrence | null>;
  readonly through: Map<string, Covered>;
  /** Wall times of instants, by instant and zone: the queries of a wake-up start from a few. */
  readonly walls: Map<string, number>;
}

export const createOccurrenceMemo = (): OccurrenceMemo => ({ next: new Map(), through: new Map(), walls: new Map() });

function remembered<T>(answers: Map<string, T> | undefined, key: string, compute: () => T): T {
  if (!answers) return compute();
  if (answers.has(key)) return answers.get(key)!;
  const answer = compute();
  answers.set(key, answer);
  return answer;
}

function requireInstant(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} must be a valid Date`);
  return ms;
}

/**
 * The first occurrence whose instant is after `after`, or null when the rule has ended (or has
 * none within 50 years). `anchorLocal`, the `local` of an earlier occurrence of this schedule,
 * lets rrule start there instead of at dtstart; it is ignored when malformed, after `after` or
 * before dtstart. A COUNT rule still counts from dtstart. With `memo`, the answer of an earlier
 * query that walks the same way (another schedule of the same rule from the same anchor) is reused.
 */
export function nextOccurrenceAfter(schedule: CompiledSchedule, after: Date, anchorLocal?: string | null, memo?: OccurrenceMemo): Occurrence | null {
  const afterMs = requireInstant(after, "after");
  // Wall times before after's own map to instants at or before it, so the walk starts there; in a
  // repeated hour that wall time may be the second pass, whose first-pass instants are skipped here.
  const fromWallMs = remembered(memo?.walls, `${afterMs}|${schedule.timezone}`, () => wallOf(afterMs, schedule.timezone));
  const plan = planWalk(schedule, fromWallMs, anchorLocal);
  return remembered(memo?.next, `${plan.key}|${afterMs}`, () => {
    let next = null as Occurrence | null;
    walk(plan, MAX_SKIPPED, (occurrence) => {
      if (occurrence.at.getTime() <= afterMs) return true;
      next = occurrence;
      return false;
    });
    return next;
  });
}

/** The next occurrence after `now`; throws ScheduleError when the rule has none (a schedule that would never fire is refused). */
export function requireFutureOccurrence(schedule: CompiledSchedule, now: Date): Occurrence {
  const next = nextOccurrenceAfter(schedule, now);
  if (next) return next;
  const why =
    schedule.hasCount || schedule.parts.UNTIL
      ? "its COUNT or UNTIL has passed, so raise COUNT, move UNTIL later or move dtstart later"
      : "its parts never match a date within 50 years (such as BYMONTH=2;BYMONTHDAY=30), so change them";
  throw new ScheduleError(`The schedule has no occurrence after ${now.toISOString()}; ${why}.`);
}

/**
 * Occurrences with instants in [from.at, through], counted from `from` (itself included), stopping
 * at `limit`: for coalescing missed runs into one catch-up run. `limitReached` says more lie in the
 * range; `count` is 0 (and `last` is `from`) when `from` is after `through`. `memo` as for
 * nextOccurrenceAfter.
 */
export function occurrencesThrough(schedule: CompiledSchedule, from: Occurrence, through: Date, limit: number, memo?: OccurrenceMemo): Covered {
  const throughMs = requireInstant(through, "through");
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  const fromMs = requireInstant(from.at, "from.at");
  if (fromMs > throughMs) return { count: 0, last: from, limitReached: false };
  // From from.at's own wall time: any earlier wall time maps to an instant at or before from.at.
  const fromWallMs = remembered(memo?.walls, `${fromMs}|${schedule.timezone}`, () => wallOf(fromMs, schedule.timezone));
  const plan = planWalk(schedule, fromWallMs, from.local);
  return remembered(memo?.through, `${plan.key}|${fromMs}|${from.local}|${throughMs}|${limit}`, () => {
    let count = 1;
    let last = from;
    let limitReached = false;
    walk(plan, 2 * limit + MAX_SKIPPED, (occurrence) => {
      if (occurrence.at.getTime() <= last.at.getTime()) return true; // from itself, or collapsed into one instant by a DST gap
      if (occurrence.at.getTime() > throughMs) return false;
      if (count === limit) {
        limitReached = true;
        return false;
      }
      count += 1;
      last = occurrence;
      return true;
    });
    return { count, last, limitReached };
  });
}
