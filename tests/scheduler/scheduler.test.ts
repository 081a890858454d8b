/**
 * The scheduler over both databases with a clock moved by hand: where its timer is aimed, what a
 * due occurrence records, catch-up after downtime, pause and resume, and several schedulers on
 * one database firing each occurrence exactly once.
 */
import { afterEach, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { openDatabase } from "../../src/db/client.ts";
import type { HostRegistration } from "../../src/services/hosts.ts";
import { createServices, type Services } from "../../src/services/index.ts";
import type { RunToDispatch } from "../../src/scheduler/dispatch.ts";
import { createScheduler, type Scheduler } from "../../src/scheduler/scheduler.ts";
import { AGENTS, dueAutomationRow, weekdays } from "../helpers/automations.ts";
import { manualClock, type ManualClock } from "../helpers/clock.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { createTeam } from "../helpers/fixtures.ts";

const started: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((scheduler) => scheduler.stop()));
});

/** A scheduler over `services` with a hub where the hosts in `online` are connected and a dispatcher that only records. */
function schedulerFor(services: Services, clock: ManualClock, online = new Set<string>()) {
  const dispatched: RunToDispatch[] = [];
  const scheduler = createScheduler({
    services,
    clock,
    runTimeoutSeconds: 3600,
    hub: { isOnline: async (registrationId) => online.has(registrationId), offlineSentence: (host: HostRegistration) => `Host "${host.name}" (${host.id}) is offline since ${host.lastSeenAt}.` },
    dispatcher: {
      async dispatch(run) {
        dispatched.push(run);
        return "running";
      },
    },
  });
  started.push(scheduler);
  return { scheduler, dispatched };
}

describeEachDatabase("scheduler", (suite) => {
  /** A clean slate (a scheduler sees every organization's automations) and a member with a host that connected once. */
  async function setUp(start: string) {
    await suite.db.orm.delete(suite.db.tables.automations);
    const clock = manualClock(start);
    const services = createServices(suite.db, clock.now);
    const team = await createTeam(services, "sched");
    const { host } = await services.hosts.register({ organizationId: team.organization.id, ownerUserId: team.member.userId, name: "laptop" });
    const connected = await services.hosts.recordConnection(host.registrationId, { machineId: crypto.randomUUID().replaceAll("-", ""), platform: "linux", agentVersion: "test" });
    if ("refused" in connected) throw new Error(connected.refused);
    const runsOf = async (automationId: string) => {
      const { automationRuns } = suite.db.tables;
      return suite.db.orm.select().from(automationRuns).where(eq(automationRuns.automationId, automationId));
    };
    return { clock, services, team, host: connected.host, runsOf };
  }

  test("the timer is aimed at the earliest next run and re-aimed when a schedule changes", async () => {
    const { clock, services, team } = await setUp("2031-01-06T08:59:50Z"); // a Monday, 09:59:50 in Berlin
    const { scheduler } = schedulerFor(services, clock);
    await scheduler.start();
    // Nothing scheduled: the timer only wakes to look again.
    expect(clock.nextTimerAt()!.getTime() - clock.now().getTime()).toBeLessThanOrEqual(30_000);
    const hourly = await services.automations.create(team.member, weekdays({ rrule: "FREQ=HOURLY;BYMINUTE=0" }), AGENTS);
    await scheduler.settle();
    expect(hourly.nextRunAt).toBe("2031-01-06T09:00:00.000Z");
    expect(clock.nextTimerAt()?.toISOString()).toBe("2031-01-06T09:00:00.000Z");
    await services.automations.pause(team.member, hourly.id);
    await scheduler.settle();
    expect(clock.nextTimerAt()!.getTime()).toBe(clock.now().getTime() + 30_000);
  });

  test("a due occurrence with its host offline is recorded as skipped_offline, naming the host; the schedule moves on", async () => {
    const { clock, services, team, host, runsOf } = await setUp("2031-01-06T07:59:00Z");
    const { scheduler, dispatched } = schedulerFor(services, clock);
    const automation = await services.automations.create(team.member, weekdays(), AGENTS);
    await scheduler.start();
    clock.set("2031-01-06T08:00:00Z");
    await scheduler.settle();
    const [run, ...others] = await runsOf(automation.id);
    expect(others).toEqual([]);
    expect(run).toMatchObject({ trigger: "schedule", status: "skipped_offline", coveredCount: 1 });
    expect(run!.scheduledFor.toISOString()).toBe("2031-01-06T08:00:00.000Z");
    expect(run!.error).toContain(`hosts is online: "laptop" (${host.id}) since`);
    expect(dispatched).toEqual([]);
    expect((await services.automations.get(team.member, automation.id))?.nextRunAt).toBe("2031-01-07T08:00:00.000Z");
    expect(clock.nextTimerAt()!.getTime()).toBe(clock.now().getTime() + 30_000);
  });

  test("an online host gets the run dispatched with the occurrence it stands for", async () => {
    const { clock, services, team, host, runsOf } = await setUp("2031-01-06T07:59:00Z");
    const { scheduler, dispatched } = schedulerFor(services, clock, new Set([host.registrationId]));
    const automation = await services.automations.create(team.member, weekdays(), AGENTS);
    await scheduler.start();
    clock.set("2031-01-06T08:00:00.250Z");
    await scheduler.settle();
    const [run] = await runsOf(automation.id);
    expect(run).toMatchObject({ status: "dispatching", hostId: host.id, hostRegistrationId: host.registrationId });
    expect(dispatched).toHaveLength(1);
    expect(dispatched[0]).toMatchObject({ runId: run!.id, trigger: "schedule", coveredCount: 1, host: { registrationId: host.registrationId } });
    expect(dispatched[0]!.automation.prompt).toBe("Triage new issues.");
  });

  test("a schedule change arriving while the timer is being aimed is not lost", async () => {
    const { clock, services, team, runsOf } = await setUp("2031-01-06T07:59:00Z");
    let reachAim!: () => void;
    let release!: () => void;
    const aiming = new Promise<void>((resolve) => (reachAim = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const claims = services.automationClaims;
    const held = {
      ...claims,
      async earliestNextRun() {
        if (holding) {
          reachAim();
          await released;
        }
        return claims.earliestNextRun();
      },
    };
    const { scheduler } = schedulerFor({ ...services, automationClaims: held }, clock);
    await scheduler.start();
    holding = true;
    const waking = scheduler.settle();
    await aiming;
    // The scheduler is aiming its timer (its look at the next run is held) when an automation comes due.
    const automation = await services.automations.create(team.member, weekdays(), AGENTS);
    clock.set("2031-01-06T08:00:00Z");
    holding = false;
    release();
    await waking;
    expect(await runsOf(automation.id)).toHaveLength(1);
  });

  test("daily 9:00 in Berlin fires at 9:00 local on both sides of the spring change", async () => {
    const { clock, services, team, runsOf } = await setUp("2031-03-29T07:00:00Z"); // Saturday 08:00 CET; the clocks go forward on Sunday the 30th
    const { scheduler } = schedulerFor(services, clock);
    const automation = await services.automations.create(team.member, weekdays({ rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0" }), AGENTS);
    await scheduler.start();
    for (const at of ["2031-03-29T08:00:00Z", "2031-03-30T07:00:00Z", "2031-03-31T07:00:00Z"]) {
      clock.set(at);
      await scheduler.settle();
    }
    const fired = (await runsOf(automation.id)).map((run) => run.scheduledFor.toISOString()).sort();
    expect(fired).toEqual(["2031-03-29T08:00:00.000Z", "2031-03-30T07:00:00.000Z", "2031-03-31T07:00:00.000Z"]);
  });

  test("a server stopped over three occurrences makes one catch-up run, then goes on from now", async () => {
    const { clock, services, team, runsOf } = await setUp("2031-01-06T10:30:00Z");
    const automation = await services.automations.create(team.member, weekdays({ rrule: "FREQ=HOURLY;BYMINUTE=0", timezone: "UTC" }), AGENTS);
    const first = schedulerFor(services, clock);
    await first.scheduler.start();
    await first.scheduler.stop();
    clock.set("2031-01-06T13:30:00Z"); // 11:00, 12:00 and 13:00 passed with no scheduler running
    const second = schedulerFor(services, clock);
    await second.scheduler.start();
    await second.scheduler.settle();
    const runs = await runsOf(automation.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: "catch_up", coveredCount: 3 });
    expect(runs[0]!.scheduledFor.toISOString()).toBe("2031-01-06T11:00:00.000Z");
    expect(runs[0]!.coveredUntil?.toISOString()).toBe("2031-01-06T13:00:00.000Z");
    expect(runs[0]!.title).toContain("catch-up for 3 missed runs");
    expect((await services.automations.get(team.member, automation.id))?.nextRunAt).toBe("2031-01-06T14:00:00.000Z");
    clock.set("2031-01-06T14:00:00Z");
    await second.scheduler.settle();
    expect((await runsOf(automation.id)).map((run) => run.trigger).sort()).toEqual(["catch_up", "schedule"]);
  });

  test("a paused automation does not fire; resumed, it fires from now without the missed ones", async () => {
    const { clock, services, team, runsOf } = await setUp("2031-01-06T07:00:00Z");
    const { scheduler } = schedulerFor(services, clock);
    const automation = await services.automations.create(team.member, weekdays({ rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0" }), AGENTS);
    await scheduler.start();
    await services.automations.pause(team.member, automation.id);
    clock.set("2031-01-09T12:00:00Z");
    await scheduler.settle();
    expect(await runsOf(automation.id)).toEqual([]);
    const resumed = await services.automations.resume(team.member, automation.id);
    expect(resumed.nextRunAt).toBe("2031-01-10T08:00:00.000Z");
    await scheduler.settle();
    expect(await runsOf(automation.id)).toEqual([]);
  });

  test("three schedulers on one database with 200 automations due in the same second make exactly 200 runs", async () => {
    const { clock, services, team } = await setUp("2031-01-06T08:59:00Z");
    const due = "2031-01-06T09:00:00.000Z";
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push((await services.automations.create(team.member, weekdays({ name: `burst ${i}`, rrule: "FREQ=HOURLY;BYMINUTE=0", timezone: "UTC" }), AGENTS)).id);
    // Each scheduler has its own connection pool where the database allows it (PostgreSQL), and its own clock.
    const extra = suite.variant.name === "PostgreSQL" ? [openDatabase(suite.url), openDatabase(suite.url)] : [];
    try {
      const databases = [suite.db, ...extra];
      const instances = [0, 1, 2].map((i) => {
        const own = manualClock(clock.now());
        return { clock: own, ...schedulerFor(createServices(databases[i % databases.length]!, own.now), own) };
      });
      await Promise.all(instances.map(({ scheduler }) => scheduler.start()));
      // All three timers fire for the same second, and the three rounds race.
      for (const instance of instances) instance.clock.set(due);
      await Promise.all(instances.map(({ scheduler }) => scheduler.settle()));
      const { automationRuns } = suite.db.tables;
      const runs = await suite.db.orm
        .select()
        .from(automationRuns)
        .where(and(eq(automationRuns.organizationId, team.organization.id), eq(automationRuns.trigger, "schedule")));
      expect(runs).toHaveLength(200);
      expect(new Set(runs.map((run) => run.automationId)).size).toBe(200);
      expect(runs.every((run) => run.scheduledFor.toISOString() === due)).toBe(true);
      for (const id of ids.slice(0, 5)) expect((await services.automations.get(team.member, id))?.nextRunAt).toBe("2031-01-06T10:00:00.000Z");
    } finally {
      await Promise.all(extra.map((db) => db.close()));
    }
  }, 60_000);

  test("three schedulers racing over 2,500 due automations, each claiming in several chunks with claims in flight, make exactly 2,500 runs", async () => {
    const { services, team } = await setUp("2031-01-06T09:00:00.100Z");
    const due = new Date("2031-01-06T09:00:00Z");
    const now = new Date();
    const rows = Array.from({ length: 2500 }, (_, i) => dueAutomationRow(team.member, `burst ${i}`, due, new Date(Date.UTC(2031, 0, 1, 0, i % 60)), now));
    const { automations, automationRuns } = suite.db.tables;
    for (let start = 0; start < rows.length; start += 500) await suite.db.orm.insert(automations).values(rows.slice(start, start + 500));
    const extra = suite.variant.name === "PostgreSQL" ? [openDatabase(suite.url), openDatabase(suite.url)] : [];
    try {
      const databases = [suite.db, ...extra];
      const instances = [0, 1, 2].map((i) => {
        const own = manualClock("2031-01-06T09:00:00.100Z");
        return schedulerFor(createServices(databases[i % databases.length]!, own.now), own).scheduler;
      });
      await Promise.all(instances.map((scheduler) => scheduler.settle()));
      const runs = await suite.db.orm.select().from(automationRuns).where(eq(automationRuns.organizationId, team.organization.id));
      expect(runs).toHaveLength(2500);
      expect(new Set(runs.map((run) => run.automationId)).size).toBe(2500);
      const moved = await suite.db.orm.select({ at: automations.nextRunAt }).from(automations).where(eq(automations.organizationId, team.organization.id));
      expect(new Set(moved.map((row) => row.at?.toISOString()))).toEqual(new Set(["2031-01-06T10:00:00.000Z"]));
    } finally {
      await Promise.all(extra.map((db) => db.close()));
    }
  }, 60_000);

  test("stale runs are closed: dispatching long after any dispatch could take, running past timeout with no report", async () => {
    const { clock, services, team, host } = await setUp("2031-01-06T07:00:00Z");
    const automation = await services.automations.create(team.member, weekdays(), AGENTS);
    const lost = await services.automationRuns.createManual(automation, null, host);
    const silent = await services.automationRuns.createManual(automation, null, host);
    await services.automationRuns.markRunning(silent.id, { workspaceId: crypto.randomUUID(), terminalId: "t-1", startedAt: clock.now(), note: null });
    clock.set("2031-01-06T08:20:00Z"); // 80 minutes: past 30 min of dispatching and 60 + 15 min of running
    const { scheduler } = schedulerFor(services, clock);
    await scheduler.start();
    await scheduler.settle();
    const runs = await services.automationRuns.list(automation.id, 10);
    expect(runs.find((run) => run.id === lost.id)).toMatchObject({ status: "dispatch_failed" });
    expect(runs.find((run) => run.id === silent.id)).toMatchObject({ status: "timed_out" });
    // The host's own report, arriving late, still tells how it really ended.
    const report = {
      runId: silent.id,
      status: "succeeded" as const,
      exitCode: 0,
      startedAt: "2031-01-06T07:00:00.000Z",
      finishedAt: "2031-01-06T08:25:00.000Z",
      durationMs: 85 * 60_000,
      output: "done",
      error: null,
    };
    expect(await services.automationRuns.finishFromHost(host, report)).toBe(true);
    expect(await services.automationRuns.get(automation.id, silent.id)).toMatchObject({ status: "succeeded", exitCode: 0, error: null, output: "done" });
  });
});
