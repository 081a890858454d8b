/**
 * Three replicas of the built binary on one PostgreSQL database and one Redis, behind nginx
 * round-robin (tests/helpers/replicas.ts): the MCP rate limit is one count across the replicas,
 * the same as on one replica, and three schedulers on the shared database make each due run once.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { and, eq, gt } from "drizzle-orm";
import { createServices } from "../../src/services/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { dueAutomationRow } from "../helpers/automations.ts";
import { createTeam } from "../helpers/fixtures.ts";
import { sampleValue } from "../helpers/metrics.ts";
import { modernRequest } from "../helpers/modern-client.ts";
import { replicasAvailable, startReplicaSet, type ReplicaSet } from "../helpers/replicas.ts";
import type { TestDatabase } from "../helpers/databases.ts";

// The first test file to need the binary builds it.
setDefaultTimeout(120_000);

/** MCP_RATE_LIMIT.requests; a day-long window, so no window boundary falls inside the test. */
const LIMIT = 300;
const WINDOW_SECONDS = 86_400;
const REQUESTS = 2 * LIMIT;
/** Automations due at the same second, far enough ahead that all three replicas are serving by then. */
const DUE_AUTOMATIONS = 300;
const DUE_IN_MS = 20_000;

describe("three replicas behind nginx", () => {
  if (!replicasAvailable("three replicas behind nginx")) return;
  let set: ReplicaSet;
  let due: Date;
  let organizationId = "";

  /** DUE_AUTOMATIONS automations of a fresh team, all due at `due`, before any replica's scheduler starts. */
  async function seedDueAutomations(database: TestDatabase): Promise<void> {
    const team = await createTeam(createServices(database.db), "replicas");
    organizationId = team.organization.id;
    due = new Date(Math.ceil((Date.now() + DUE_IN_MS) / 1000) * 1000);
    const rows = Array.from({ length: DUE_AUTOMATIONS }, (_, i) => dueAutomationRow(team.member, `burst ${i}`, due, new Date(Date.UTC(2030, 0, 1))));
    await database.db.orm.insert(database.db.tables.automations).values(rows);
  }

  beforeAll(async () => {
    set = await startReplicaSet({ config: { MCP_RATE_LIMIT: { enabled: true, requests: LIMIT, window_seconds: WINDOW_SECONDS }, MCP_METRICS_ENABLED: true }, seed: seedDueAutomations });
  });
  afterAll(async () => {
    await set?.dispose();
  });

  /**
   * REQUESTS tool calls one after another to `baseUrl`, as the client `forwardedFor`: its own
   * bucket (the replicas trust loopback proxies, so the address is the one nginx or the test names).
   */
  async function callRepeatedly(baseUrl: string, forwardedFor: string) {
    const answers: { status: number; servedBy: number | null }[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const { body, headers } = modernRequest("tools/call", { name: "health_check", arguments: {} }, {});
      const response = await set.fetch(`${baseUrl}/mcp`, { method: "POST", headers: { ...headers, "X-Forwarded-For": forwardedFor }, body: JSON.stringify(body) });
      await response.arrayBuffer();
      answers.push({ status: response.status, servedBy: baseUrl === set.url ? set.servedBy(response).index : null });
    }
    return answers;
  }

  test(`${REQUESTS} requests spread over three replicas are limited like ${REQUESTS} on one: ${LIMIT} pass, the rest get 429`, async () => {
    const spread = await callRepeatedly(set.url, "203.0.113.10");
    const single = await callRepeatedly(set.replicas[0]!.directUrl, "203.0.113.11");
    const expected = [...Array(LIMIT).fill(200), ...Array(REQUESTS - LIMIT).fill(429)];
    expect(single.map((answer) => answer.status)).toEqual(expected);
    expect(spread.map((answer) => answer.status)).toEqual(expected);
    // Round-robin: every replica passed some and refused some, so none counted only its own third
    // (a third of REQUESTS is below LIMIT, so per-replica counters would have passed them all).
    for (const replica of set.replicas) {
      const served = spread.filter((answer) => answer.servedBy === replica.index);
      expect(served.length, `replica ${replica.index}`).toBeGreaterThan(REQUESTS / 6);
      expect(new Set(served.map((answer) => answer.status)), `replica ${replica.index}`).toEqual(new Set([200, 429]));
    }
  });

  test(`three schedulers on the shared database make each of ${DUE_AUTOMATIONS} runs due in the same second once`, async () => {
    const { automations, automationRuns } = set.database.db.tables;
    const orm = set.database.db.orm;
    // Every replica was serving (its scheduler aimed at `due`) before the runs fell due.
    expect(Date.now()).toBeLessThan(due.getTime());
    await eventually(
      "every due automation to be claimed and moved on",
      async () =>
        (
          await orm
            .select({ id: automations.id })
            .from(automations)
            .where(and(eq(automations.organizationId, organizationId), gt(automations.nextRunAt, due)))
        ).length === DUE_AUTOMATIONS,
      DUE_IN_MS + 30_000,
    );
    const runs = await orm.select().from(automationRuns).where(eq(automationRuns.organizationId, organizationId));
    expect(runs).toHaveLength(DUE_AUTOMATIONS);
    expect(new Set(runs.map((run) => run.automationId)).size).toBe(DUE_AUTOMATIONS);
    expect(runs.every((run) => run.scheduledFor.getTime() === due.getTime() && run.trigger === "schedule")).toBe(true);
    // Each replica counts the runs it claimed: together exactly one claim per run, none claimed twice.
    const claimed = await Promise.all(set.replicas.map(async (replica) => sampleValue(await (await fetch(`${replica.directUrl}/metrics`)).text(), "superset_scheduler_delay_seconds_count") ?? 0));
    expect(
      claimed.reduce((sum, count) => sum + count, 0),
      `claims per replica: ${claimed.join(", ")}`,
    ).toBe(DUE_AUTOMATIONS);
  });
});
