/**
 * Fills a database with tasks for the benchmark, through the task service as a client would.
 * The database must already have the user (a first `superset mcp run` in dev mode creates it).
 *
 *   bun scripts/bench/seed.ts <DATABASE_URL> <count> <username>
 *
 * Prints one JSON line: {"created": n, "seconds": s}.
 */
import { openDatabase } from "../../src/db/client.ts";
import { createServices } from "../../src/services/index.ts";
import type { TaskPriority } from "../../src/db/schema/values.ts";

const VERBS = ["Fix", "Add", "Refactor", "Document", "Speed up", "Remove", "Test", "Migrate", "Review", "Split", "Rename", "Retry", "Cache", "Log", "Validate", "Harden", "Audit", "Port", "Simplify", "Measure"];
const OBJECTS = ["login flow", "task export", "webhook retries", "search index", "billing job", "avatar upload", "rate limiter", "session store", "invite emails", "audit log", "CSV import", "dark mode", "API keys", "cron runner", "error pages", "SSE stream", "schema dump", "org switcher", "slug picker", "backup script", "health probe", "token refresh", "label filter", "due dates", "host agent"];
const PLACES = ["web", "CLI", "worker", "gateway", "admin UI", "agent", "mobile", "docs", "CI", "staging", "scheduler", "API", "desktop", "terminal", "store", "auth", "reports", "billing", "onboarding", "settings"];
const DETAILS = [
  "Seen twice this week; the stack trace points at the retry loop.",
  "Customer report: happens only after a long idle period.",
  "Needs a migration and a note in the changelog.",
  "Keep the old behaviour behind a flag for one release.",
  "Blocked until the upstream release lands.",
  "Measure before and after; attach the numbers to the PR.",
];
const PRIORITIES: TaskPriority[] = ["none", "low", "medium", "high", "urgent"];
const MINUTE_MS = 60_000;

/** The i-th of VERBS × OBJECTS × PLACES, visited in a scattered order so neighbours differ. */
function titleOf(i: number): string {
  const n = (i * 7919) % (VERBS.length * OBJECTS.length * PLACES.length);
  const verb = VERBS[n % VERBS.length];
  const object = OBJECTS[Math.floor(n / VERBS.length) % OBJECTS.length];
  const place = PLACES[Math.floor(n / (VERBS.length * OBJECTS.length)) % PLACES.length];
  return `${verb} ${object} in ${place}`;
}

const [url, countText = "10000", username = "admin"] = process.argv.slice(2);
if (!url) throw new Error("usage: bun scripts/bench/seed.ts <DATABASE_URL> <count> <username>");
const count = Number(countText);

const db = openDatabase(url);
// One task a minute, ending now, so the list order (created_at desc) is meaningful and has no ties.
let clock = Date.now() - count * MINUTE_MS;
const services = createServices(db, () => new Date((clock += MINUTE_MS)));
const actor = await services.accounts.resolveActor(username);
if ("refused" in actor) throw new Error(`cannot seed: ${actor.refused}`);

const started = performance.now();
for (let i = 0; i < count; i++) {
  await services.tasks.create(actor, {
    title: titleOf(i),
    description: i % 5 === 0 ? null : `${DETAILS[i % DETAILS.length]} Ref #${1000 + i}.`,
    priority: PRIORITIES[i % PRIORITIES.length],
    assigneeId: i % 3 === 0 ? actor.userId : null,
    labels: i % 4 === 0 ? ["bench", PLACES[i % PLACES.length]!.toLowerCase()] : null,
    estimate: i % 2 === 0 ? (i % 8) + 1 : null,
  });
}
const seconds = (performance.now() - started) / 1000;
await db.close();
console.log(JSON.stringify({ created: count, seconds: Number(seconds.toFixed(1)) }));
