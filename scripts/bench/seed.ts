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
import { DETAILS, PLACES, PRIORITIES, titleOf } from "./task-text.ts";

const MINUTE_MS = 60_000;

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
