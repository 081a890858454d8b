/**
 * The world of the scheduler bench (./scheduler.ts): a throw-away database of each kind, one
 * member whose only host is offline, many automations due every minute, and the reference — a
 * plain bulk insert of run rows with no scheduling logic in front of it.
 */
import { SQL } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { compileSchedule, nextOccurrenceAfter, type Occurrence } from "../../src/scheduler/schedule.ts";
import type { HostRegistration } from "../../src/services/hosts.ts";
import type { Services } from "../../src/services/index.ts";

/** Rows per plain INSERT, for the seeding and the reference (well under SQLite's parameter limit). */
export const INSERT_CHUNK_ROWS = 500;
const MINUTE_MS = 60_000;
/** The shared rule; UTC so every automation's next occurrence is the same instant. */
const RULE = { rrule: "FREQ=MINUTELY", timezone: "UTC" };

/** A migrated database that exists only for this run, and how to throw it away. */
export interface ScratchDatabase {
  name: "SQLite" | "PostgreSQL";
  db: Database;
  /**
   * PostgreSQL: gathers the planner statistics auto-analyze gathers on a production server soon
   * after the seeding. Without them the claims' UPDATE … WHERE id IN (…), a prepared statement
   * run with a generic plan after a few executions, slows down as dead rows pile up: 180 ms per
   * 10,000 automations in the first minute, 1.3 s by the sixth, on a server with autovacuum off.
   * Returns a note when the server's autovacuum is off (dead rows then stay for the whole run).
   */
  analyze(): Promise<string | null>;
  dispose(): Promise<void>;
}

/** A SQLite file (WAL, as in production) in a fresh temp directory, removed on dispose. */
export async function openScratchSqlite(): Promise<ScratchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "superset-bench-scheduler-"));
  const db = openDatabase(`sqlite://${join(dir, "bench.db")}`);
  const dispose = async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  await db.migrate().catch(async (error) => {
    await dispose();
    throw error;
  });
  return { name: "SQLite", db, analyze: async () => null, dispose };
}

/**
 * A database created next to the one `adminUrl` names and dropped on dispose, or `skipped` with
 * the reason when that server cannot be reached.
 */
export async function openScratchPostgres(adminUrl: string): Promise<ScratchDatabase | { skipped: string }> {
  const reachable = await withClient(adminUrl, (admin) => admin`SELECT 1`).then(
    () => null,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  if (reachable !== null) return { skipped: `PostgreSQL at ${adminUrl} is not reachable (${reachable})` };
  // Only hex digits go into the name, so it is safe to splice into the statement.
  const name = `superset_bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await withClient(adminUrl, (admin) => admin.unsafe(`CREATE DATABASE ${name}`));
  const db = openDatabase(url.toString());
  const dispose = async () => {
    await db.close().catch(() => {});
    // FORCE ends connections a failed run may have left open (PostgreSQL 13+).
    await withClient(adminUrl, (admin) => admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  await db.migrate().catch(async (error) => {
    await dispose();
    throw error;
  });
  const analyze = () =>
    withClient(url.toString(), async (client) => {
      await client`ANALYZE`;
      const [{ autovacuum }] = await client`SHOW autovacuum`;
      return autovacuum === "on"
        ? null
        : "autovacuum is off on this PostgreSQL server: the bench ran ANALYZE after seeding, as auto-analyze would, but dead rows of the minutely UPDATEs are never vacuumed";
    });
  return { name: "PostgreSQL", db, analyze, dispose };
}

async function withClient<T>(url: string, run: (client: SQL) => Promise<T>): Promise<T> {
  const client = new SQL(url, { max: 1, connectionTimeout: 5 });
  try {
    return await run(client);
  } finally {
    await client.close();
  }
}

/** What the seeding made: the automations' ids (ascending) and the offline host they would run on. */
export interface Seeded {
  organizationId: string;
  automationIds: string[];
  host: HostRegistration;
}

/**
 * An organization, a member, a host of theirs that connected once (so it is known but offline),
 * and `count` enabled FREQ=MINUTELY automations in UTC, inserted in bulk with no next run yet:
 * they stay idle until `armAutomations`.
 */
export async function seedAutomations(services: Services, count: number): Promise<Seeded> {
  const { accounts, hosts, db } = services;
  const organization = await accounts.createOrganization({ name: "Bench", slug: "bench" });
  const member = await accounts.createUser({ username: "bench-member" });
  await accounts.setMembership(member.id, organization.id, "member");
  const { host } = await hosts.register({ organizationId: organization.id, ownerUserId: member.id, name: "bench-box" });
  const connected = await hosts.recordConnection(host.registrationId, { machineId: crypto.randomUUID().replaceAll("-", ""), platform: "linux", agentVersion: "bench" });
  if ("refused" in connected) throw new Error(`the bench host could not connect once: ${connected.refused}`);

  const now = new Date();
  const thisMinute = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const { rrule, timezone } = compileSchedule({ ...RULE, dtstart: new Date(thisMinute) });
  const rows = Array.from({ length: count }, (_, i) => ({
    id: crypto.randomUUID(),
    organizationId: organization.id,
    ownerUserId: member.id,
    name: `bench ${String(i).padStart(5, "0")}`,
    agent: "claude",
    targetHostId: null,
    projectId: null,
    workspaceId: null,
    prompt: "Summarize yesterday's commits.",
    promptVersion: 1,
    rrule,
    // One minute apart, as automations created one by one get (dtstart defaults to the minute of
    // creation): each compiles its own schedule, as in production, yet all fire on the same minutes.
    dtstart: new Date(thisMinute - (i + 1) * MINUTE_MS),
    timezone,
    enabled: true,
    nextRunAt: null,
    nextRunLocal: null,
    createdAt: now,
    updatedAt: now,
  }));
  for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS) await db.orm.insert(db.tables.automations).values(rows.slice(start, start + INSERT_CHUNK_ROWS));
  return { organizationId: organization.id, automationIds: rows.map((row) => row.id).sort(), host: connected.host };
}

/**
 * Sets every automation's next run to the first whole minute at least `leadMs` away (one
 * UPDATE), computed once with the schedule module for the shared rule, and returns it.
 */
export async function armAutomations(db: Database, leadMs: number): Promise<Occurrence> {
  const [any] = await db.orm.select({ dtstart: db.tables.automations.dtstart }).from(db.tables.automations).limit(1);
  const schedule = compileSchedule({ ...RULE, dtstart: any!.dtstart });
  const first = nextOccurrenceAfter(schedule, new Date(Date.now() + leadMs));
  if (!first) throw new Error("FREQ=MINUTELY has no next occurrence");
  await db.orm.update(db.tables.automations).set({ nextRunAt: first.at, nextRunLocal: first.local }).where(eq(db.tables.automations.enabled, true));
  return first;
}

/**
 * The reference: `seeded.automationIds.length` run rows shaped like the scheduler's
 * skipped_offline claims, written the plain way (drizzle INSERTs of INSERT_CHUNK_ROWS rows,
 * ascending automation id, ON CONFLICT DO NOTHING … RETURNING) with nothing decided first.
 * Returns rows per second.
 */
export async function referenceInsert(db: Database, seeded: Seeded, scheduledFor: Date): Promise<number> {
  const runs = db.tables.automationRuns;
  const error = `None of bench-member's hosts is online: "${seeded.host.name}" (${seeded.host.id}) since ${seeded.host.lastSeenAt}; start an agent with "superset host run" (or "systemctl --user start superset-host").`;
  const started = performance.now();
  let inserted = 0;
  for (let start = 0; start < seeded.automationIds.length; start += INSERT_CHUNK_ROWS) {
    const at = new Date();
    const rows = seeded.automationIds.slice(start, start + INSERT_CHUNK_ROWS).map((automationId, i) => ({
      id: crypto.randomUUID(),
      automationId,
      organizationId: seeded.organizationId,
      trigger: "schedule" as const,
      scheduledFor,
      coveredCount: 1,
      coveredUntil: null,
      title: `bench ${String(start + i).padStart(5, "0")} (${scheduledFor.toISOString().slice(0, 16).replace("T", " ")} UTC)`,
      hostId: seeded.host.id,
      hostRegistrationId: seeded.host.registrationId,
      status: "skipped_offline" as const,
      error,
      finishedAt: at,
      createdAt: at,
    }));
    inserted += (await db.orm.insert(runs).values(rows).onConflictDoNothing().returning({ id: runs.id, automationId: runs.automationId })).length;
  }
  const seconds = (performance.now() - started) / 1000;
  if (inserted !== seeded.automationIds.length) throw new Error(`the reference inserted ${inserted} of ${seeded.automationIds.length} rows`);
  return inserted / seconds;
}
