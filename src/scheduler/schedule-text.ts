/** Short English renderings of schedules for people: an automation's `scheduleText` (docs/tools.md#automations). */
import type { CompiledSchedule, RuleParts } from "./schedule.ts";

const WEEK = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const DAY_NAMES: Record<string, string> = { MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday", SA: "Saturday", SU: "Sunday" };
const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
/** Parts a rendering may leave unsaid: the limits of a schedule and what only shifts it within a minute or a week's start. */
const UNSAID = ["FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYSECOND"];

/** What the renderings read: a part is "single" when it names exactly one value. */
interface View {
  parts: RuleParts;
  interval: number;
  /** The time of day, "9:00", from BYHOUR and BYMINUTE or else from dtstart. */
  at: string;
  minute: number;
  /** Days of the week in week order, from BYDAY or else dtstart's weekday. */
  days: string[];
  /** Day of the month and month (1-12), from BYMONTHDAY and BYMONTH or else dtstart's. */
  monthDay: number;
  month: number;
  /** True when no part beyond `allowed` (and the unsaid ones) is present, and BYHOUR/BYMINUTE name one value. */
  only(...allowed: string[]): boolean;
}

const every = (n: number, one: string, many: string) => (n === 1 ? `Every ${one}` : `Every ${n} ${many}`);
const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? "th" : ([, "st", "nd", "rd"][n % 10] ?? "th")}`;

function onDays(days: string[]): string {
  const names = days.join(",");
  if (names === "MO,TU,WE,TH,FR") return "Weekdays";
  if (names === "SA,SU") return "Weekends";
  if (days.length === 7) return "Daily";
  const plural = days.map((day) => `${DAY_NAMES[day]}s`);
  return plural.length === 1 ? plural[0]! : `${plural.slice(0, -1).join(", ")} and ${plural.at(-1)}`;
}

/** One rendering per frequency; null means "Custom". */
const RENDERINGS: Record<string, (view: View) => string | null> = {
  MINUTELY: (v) => (v.only() ? every(v.interval, "minute", "minutes") : null),
  HOURLY: (v) => (v.only("BYMINUTE") ? `${every(v.interval, "hour", "hours")}${v.minute ? ` at :${String(v.minute).padStart(2, "0")}` : ""}` : null),
  DAILY: (v) => {
    if (!v.only("BYHOUR", "BYMINUTE", "BYDAY") || (v.parts.BYDAY && v.interval !== 1)) return null;
    return `${v.parts.BYDAY ? onDays(v.days) : v.interval === 1 ? "Daily" : every(v.interval, "day", "days")} at ${v.at}`;
  },
  WEEKLY: (v) => (v.only("BYHOUR", "BYMINUTE", "BYDAY") && v.interval === 1 ? `${onDays(v.days)} at ${v.at}` : null),
  MONTHLY: (v) => {
    if (!v.only("BYHOUR", "BYMINUTE", "BYMONTHDAY") || v.interval !== 1 || !/^(-1|\d+)$/.test(v.parts.BYMONTHDAY ?? "1")) return null;
    return `Monthly on the ${v.monthDay === -1 ? "last day" : ordinal(v.monthDay)} at ${v.at}`;
  },
  YEARLY: (v) => {
    if (!v.only("BYHOUR", "BYMINUTE", "BYMONTH", "BYMONTHDAY") || v.interval !== 1 || !/^\d+$/.test(v.parts.BYMONTH ?? "1") || !/^\d+$/.test(v.parts.BYMONTHDAY ?? "1")) return null;
    return `Yearly on ${v.monthDay} ${MONTH_NAMES[v.month - 1]} at ${v.at}`;
  },
};

function viewOf({ parts, dtstartLocal }: CompiledSchedule): View {
  const start = new Date(`${dtstartLocal}Z`);
  const hour = Number(parts.BYHOUR ?? start.getUTCHours());
  const minute = Number(parts.BYMINUTE ?? start.getUTCMinutes());
  const byDay = parts.BYDAY?.split(",");
  return {
    parts,
    interval: Number(parts.INTERVAL ?? 1),
    at: `${hour}:${String(minute).padStart(2, "0")}`,
    minute,
    days: byDay ? WEEK.filter((day) => byDay.includes(day)) : [WEEK[(start.getUTCDay() + 6) % 7]!],
    monthDay: Number(parts.BYMONTHDAY ?? start.getUTCDate()),
    month: Number(parts.BYMONTH ?? start.getUTCMonth() + 1),
    only: (...allowed) => Object.keys(parts).every((key) => UNSAID.includes(key) || allowed.includes(key)) && !parts.BYHOUR?.includes(",") && !parts.BYMINUTE?.includes(","),
  };
}

/** A short English rendering for people: "Weekdays at 9:00", "Every 15 minutes", "Monthly on the 1st at 8:30", else "Custom". */
export function scheduleText(schedule: CompiledSchedule): string {
  return RENDERINGS[schedule.parts.FREQ ?? ""]?.(viewOf(schedule)) ?? "Custom";
}
