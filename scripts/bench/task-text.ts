/** The words benchmark tasks are made of (seed.ts, scale.ts): varied titles and descriptions, the same in every run. */
import type { TaskPriority } from "../../src/db/schema/values.ts";

const VERBS = [
  "Fix",
  "Add",
  "Refactor",
  "Document",
  "Speed up",
  "Remove",
  "Test",
  "Migrate",
  "Review",
  "Split",
  "Rename",
  "Retry",
  "Cache",
  "Log",
  "Validate",
  "Harden",
  "Audit",
  "Port",
  "Simplify",
  "Measure",
];
const OBJECTS = [
  "login flow",
  "task export",
  "webhook retries",
  "search index",
  "billing job",
  "avatar upload",
  "rate limiter",
  "session store",
  "invite emails",
  "audit log",
  "CSV import",
  "dark mode",
  "API keys",
  "cron runner",
  "error pages",
  "SSE stream",
  "schema dump",
  "org switcher",
  "slug picker",
  "backup script",
  "health probe",
  "token refresh",
  "label filter",
  "due dates",
  "host agent",
];
export const PLACES = [
  "web",
  "CLI",
  "worker",
  "gateway",
  "admin UI",
  "agent",
  "mobile",
  "docs",
  "CI",
  "staging",
  "scheduler",
  "API",
  "desktop",
  "terminal",
  "store",
  "auth",
  "reports",
  "billing",
  "onboarding",
  "settings",
];
export const DETAILS = [
  "Seen twice this week; the stack trace points at the retry loop.",
  "Customer report: happens only after a long idle period.",
  "Needs a migration and a note in the changelog.",
  "Keep the old behaviour behind a flag for one release.",
  "Blocked until the upstream release lands.",
  "Measure before and after; attach the numbers to the PR.",
];
export const PRIORITIES: TaskPriority[] = ["none", "low", "medium", "high", "urgent"];

/** The i-th of VERBS × OBJECTS × PLACES, visited in a scattered order so neighbours differ. */
export function titleOf(i: number): string {
  const n = (i * 7919) % (VERBS.length * OBJECTS.length * PLACES.length);
  const verb = VERBS[n % VERBS.length];
  const object = OBJECTS[Math.floor(n / VERBS.length) % OBJECTS.length];
  const place = PLACES[Math.floor(n / (VERBS.length * OBJECTS.length)) % PLACES.length];
  return `${verb} ${object} in ${place}`;
}
