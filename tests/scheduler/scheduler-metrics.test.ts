/**
 * What the scheduler reports to /metrics, over SQLite with a clock moved by hand: how late each
 * claimed run was (superset_scheduler_delay_seconds) and the runs refused at the claim
 * (superset_automation_runs_total).
 */
import { afterAll, expect, test } from "bun:test";
import { openDatabase } from "../../src/db/client.ts";
import { createMetrics } from "../../src/metrics/index.ts";
import { createServices } from "../../src/services/index.ts";
import { createScheduler } from "../../src/scheduler/scheduler.ts";
import { AGENTS, weekdays } from "../helpers/automations.ts";
import { manualClock } from "../helpers/clock.ts";
import { createTeam } from "../helpers/fixtures.ts";
import { sampleValue } from "../helpers/metrics.ts";

const db = openDatabase("sqlite://:memory:");
afterAll(() => db.close());

test("a run claimed 90 s after its time is observed as 90 s late; its offline host counts as skipped_offline", async () => {
  await db.migrate();
  const clock = manualClock("2031-01-06T07:59:00Z");
  const services = createServices(db, clock.now);
  const team = await createTeam(services, "metrics");
  const { host } = await services.hosts.register({ organizationId: team.organization.id, ownerUserId: team.member.userId, name: "laptop" });
  // A host that connected once and is offline now: the run is refused as skipped_offline.
  await services.hosts.recordConnection(host.registrationId, { machineId: crypto.randomUUID().replaceAll("-", ""), platform: "linux", agentVersion: "test" });
  await services.automations.create(team.member, weekdays(), AGENTS);
  const metrics = await createMetrics({ MCP_METRICS_ENABLED: true }, []);
  const scheduler = createScheduler({
    services,
    clock,
    runTimeoutSeconds: 3600,
    metrics,
    hub: { isOnline: async () => false, offlineSentence: () => "offline" },
    dispatcher: { dispatch: async () => "running" },
  });
  try {
    // The server was down at 08:00 (09:00 in Berlin) and comes back a minute and a half later.
    clock.set("2031-01-06T08:01:30Z");
    await scheduler.start();
    await scheduler.settle();
  } finally {
    await scheduler.stop();
  }
  const { body } = await metrics.scrape();
  expect(sampleValue(body, "superset_scheduler_delay_seconds_count")).toBe(1);
  expect(sampleValue(body, "superset_scheduler_delay_seconds_sum")).toBe(90);
  expect(sampleValue(body, 'superset_scheduler_delay_seconds_bucket{le="60"}')).toBe(0);
  expect(sampleValue(body, 'superset_scheduler_delay_seconds_bucket{le="300"}')).toBe(1);
  expect(sampleValue(body, 'superset_automation_runs_total{status="skipped_offline"}')).toBe(1);
  expect(sampleValue(body, 'superset_automation_runs_total{status="running"}')).toBe(0);
});
