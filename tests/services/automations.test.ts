/** Automation service contract: settings, schedule checks, placement checks, permissions, prompt versions, pause and resume. */
import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createServices } from "../../src/services/index.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { createTeam, type Team } from "../helpers/fixtures.ts";
import { manualClock } from "../helpers/clock.ts";
import { expectServiceError } from "../helpers/service-errors.ts";
import { AGENTS, connectedHostWithRecords, weekdays } from "../helpers/automations.ts";

describeEachDatabase("automations service", (suite) => {
  const teams = new Map<string, Team>();
  const team = async (key = "main") => {
    if (!teams.has(key)) teams.set(key, await createTeam(suite.services, `auto-${key}`));
    return teams.get(key)!;
  };

  test("create keeps the settings and prompt, computes the next run in the zone, and lists without the prompt", async () => {
    const t = await team();
    const created = await suite.services.automations.create(t.member, weekdays({ name: "Triage  ", prompt: "Triage new issues." }), AGENTS);
    expect(created).toMatchObject({
      organizationId: t.organization.id,
      ownerUserId: t.member.userId,
      name: "Triage",
      agent: "claude",
      targetHostId: null,
      v2ProjectId: null,
      v2WorkspaceId: null,
      enabled: true,
      rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0",
      timezone: "Europe/Berlin",
      scheduleText: "Weekdays at 9:00",
      prompt: "Triage new issues.",
    });
    // 09:00 in Berlin is 08:00Z in winter and 07:00Z in summer; either way on a weekday, in the future.
    const next = new Date(created.nextRunAt!);
    expect(next.getUTCMinutes()).toBe(0);
    expect([7, 8]).toContain(next.getUTCHours());
    expect([1, 2, 3, 4, 5]).toContain(next.getUTCDay());
    const listed = await suite.services.automations.list(t.member, { name: "triAGE" });
    expect(listed.map((automation) => automation.id)).toContain(created.id);
    expect(listed[0]).not.toHaveProperty("prompt");
    expect(await suite.services.automations.list(t.member, { name: "%" })).toEqual([]);
    expect(await suite.services.automations.getPrompt(t.viewer, created.id)).toMatchObject({ id: created.id, prompt: "Triage new issues.", version: 1 });
  });

  test("reads are open to the organization; another organization sees nothing", async () => {
    const t = await team();
    const other = await team("other");
    const created = await suite.services.automations.create(t.member, weekdays(), AGENTS);
    expect((await suite.services.automations.get(t.viewer, created.id))?.id).toBe(created.id);
    expect(await suite.services.automations.get(other.owner, created.id)).toBeNull();
    expect(await suite.services.automations.getPrompt(other.owner, created.id)).toBeNull();
    expect(await suite.services.automations.get(t.viewer, "not-a-uuid")).toBeNull();
    expect((await suite.services.automations.list(other.owner, {})).map((automation) => automation.id)).not.toContain(created.id);
    await expectServiceError(suite.services.automations.pause(other.owner, created.id), "not_found");
  });

  test("changes are for the owner and admins: a viewer cannot create, another member cannot change, run or read runs", async () => {
    const t = await team();
    await expectServiceError(suite.services.automations.create(t.viewer, weekdays(), AGENTS), "forbidden");
    const created = await suite.services.automations.create(t.member, weekdays(), AGENTS);
    const { actor: otherMember } = await import("../helpers/fixtures.ts").then((fixtures) => fixtures.addUser(suite.services, t.organization, "member", "second"));
    const refused = await expectServiceError(suite.services.automations.update(otherMember, created.id, { name: "Mine now" }, AGENTS), "forbidden");
    expect(refused.message).toContain("only its owner or an organization admin");
    await expectServiceError(suite.services.automations.setPrompt(otherMember, created.id, "x"), "forbidden");
    await expectServiceError(suite.services.automations.delete(otherMember, created.id), "forbidden");
    await expectServiceError(suite.services.automations.requireRunnable(otherMember, created.id, "run"), "forbidden");
    await expectServiceError(suite.services.automations.requireRunnable(otherMember, created.id, "read the runs of"), "forbidden");
    expect((await suite.services.automations.update(t.admin, created.id, { name: "Renamed by admin" }, AGENTS)).name).toBe("Renamed by admin");
    expect((await suite.services.automations.get(t.member, created.id))?.name).toBe("Renamed by admin");
  });

  test("a bad schedule, zone or agent is refused with a sentence and nothing is stored", async () => {
    const t = await team("refusals");
    const cases: [Partial<ReturnType<typeof weekdays>>, RegExp][] = [
      [{ rrule: "FREQ=SOMETIMES" }, /FREQ|rule/i],
      [{ rrule: "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY" }, /DTSTART|line/i],
      [{ timezone: "Mars/Olympus_Mons" }, /time zone|timezone/i],
      [{ timezone: "+01:00" }, /IANA|time zone/i],
      [{ rrule: "FREQ=DAILY;COUNT=1", dtstart: "2020-01-01T09:00:00Z" }, /no occurrence after/i],
      [{ rrule: "FREQ=DAILY;UNTIL=20200101T000000Z", dtstart: "2019-01-01T09:00:00Z" }, /no occurrence after/i],
      [{ agent: "claude; rm -rf ~" }, /not a preset.*claude/],
    ];
    for (const [change, message] of cases) {
      const error = await expectServiceError(suite.services.automations.create(t.member, weekdays(change), AGENTS), "invalid");
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain("    at ");
    }
    expect(await suite.services.automations.list(t.member, {})).toEqual([]);
  });

  test("hostile names and prompts are stored and returned exactly", async () => {
    const t = await team();
    const prompt = "'; DROP TABLE automations; --\n$(touch /tmp/pwned) `id` ? ünïcødé 🚀\n<script>alert(1)</script>";
    const created = await suite.services.automations.create(t.member, weekdays({ name: "nightly\n'; --", prompt }), AGENTS);
    expect((await suite.services.automations.getPrompt(t.member, created.id))?.prompt).toBe(prompt);
    expect((await suite.services.automations.get(t.member, created.id))?.name).toBe("nightly\n'; --");
  });

  test("placement: a project or workspace names its host; unknown ids, foreign hosts and contradictions are refused", async () => {
    const t = await team("placement");
    const other = await team("placement-other");
    const first = await connectedHostWithRecords(suite.services, t.member, "first");
    const second = await connectedHostWithRecords(suite.services, t.member, "second");
    const foreign = await connectedHostWithRecords(suite.services, other.member, "foreign");

    const onProject = await suite.services.automations.create(t.member, weekdays({ v2ProjectId: first.project.id }), AGENTS);
    expect(onProject).toMatchObject({ v2ProjectId: first.project.id, targetHostId: null });
    const pinned = await suite.services.automations.create(t.member, weekdays({ targetHostId: first.machineId.toUpperCase(), v2WorkspaceId: first.workspace.id }), AGENTS);
    expect(pinned).toMatchObject({ targetHostId: first.machineId, v2WorkspaceId: first.workspace.id });

    await expectServiceError(suite.services.automations.create(t.member, weekdays({ v2ProjectId: crypto.randomUUID() }), AGENTS), "invalid");
    const contradiction = await expectServiceError(suite.services.automations.create(t.member, weekdays({ targetHostId: second.machineId, v2ProjectId: first.project.id }), AGENTS), "invalid");
    expect(contradiction.message).toContain(`is on host ${first.machineId}`);
    await expectServiceError(suite.services.automations.create(t.member, weekdays({ v2ProjectId: second.project.id, v2WorkspaceId: first.workspace.id }), AGENTS), "invalid");
    await expectServiceError(suite.services.automations.create(t.member, weekdays({ targetHostId: foreign.machineId }), AGENTS), "not_found");
    await expectServiceError(suite.services.automations.create(t.member, weekdays({ v2ProjectId: foreign.project.id }), AGENTS), "invalid");
    // A viewer-granted-nothing member cannot pin the owner's host.
    const { actor: stranger } = await import("../helpers/fixtures.ts").then((fixtures) => fixtures.addUser(suite.services, t.organization, "member", "stranger"));
    await expectServiceError(suite.services.automations.create(stranger, weekdays({ targetHostId: first.machineId }), AGENTS), "not_found");
    await expectServiceError(suite.services.automations.create(stranger, weekdays({ v2ProjectId: first.project.id }), AGENTS), "invalid");

    const unpinned = await suite.services.automations.update(t.member, pinned.id, { targetHostId: null, v2WorkspaceId: null }, AGENTS);
    expect(unpinned).toMatchObject({ targetHostId: null, v2WorkspaceId: null, v2ProjectId: null });
  });

  test("prompt versions: quick edits by one author merge, another author or ten minutes later starts a new one", async () => {
    const t = await team("versions");
    const clock = manualClock("2030-03-02T10:00:00Z");
    const services = createServices(suite.db, clock.now);
    const { automationPromptVersions: versions } = suite.db.tables;
    const created = await services.automations.create(t.member, weekdays({ prompt: "v1" }), AGENTS);
    const history = async () => (await suite.db.orm.select().from(versions).where(eq(versions.automationId, created.id))).sort((a, b) => a.version - b.version).map((row) => row.prompt);

    clock.advance(60_000);
    await services.automations.setPrompt(t.member, created.id, "v1 fixed");
    clock.advance(60_000);
    await services.automations.setPrompt(t.member, created.id, "v1 fixed again");
    expect(await history()).toEqual(["v1 fixed again"]);

    clock.advance(60_000);
    const byAdmin = await services.automations.setPrompt(t.admin, created.id, "admin's take");
    expect(byAdmin.prompt).toBe("admin's take");
    expect(await history()).toEqual(["v1 fixed again", "admin's take"]);

    clock.advance(11 * 60_000);
    await services.automations.setPrompt(t.admin, created.id, "admin, later");
    expect(await history()).toEqual(["v1 fixed again", "admin's take", "admin, later"]);
    expect(await services.automations.getPrompt(t.member, created.id)).toMatchObject({ prompt: "admin, later", version: 3 });
  });

  test("pause clears the next run; resume takes it from now; a changed schedule is recomputed; listeners hear every change", async () => {
    const t = await team("pause");
    const clock = manualClock("2030-03-04T07:30:00Z"); // a Monday, 08:30 in Berlin
    const services = createServices(suite.db, clock.now);
    let changes = 0;
    const stop = services.automations.onScheduleChange(() => changes++);
    const created = await services.automations.create(t.member, weekdays(), AGENTS);
    expect(created.nextRunAt).toBe("2030-03-04T08:00:00.000Z");
    const paused = await services.automations.pause(t.member, created.id);
    expect(paused).toMatchObject({ enabled: false, nextRunAt: null });
    clock.set("2030-03-06T12:00:00Z"); // Wednesday afternoon: Tuesday's and Wednesday's runs were missed
    const resumed = await services.automations.resume(t.member, created.id);
    expect(resumed).toMatchObject({ enabled: true, nextRunAt: "2030-03-07T08:00:00.000Z" });
    const hourly = await services.automations.update(t.member, created.id, { rrule: "FREQ=HOURLY;BYMINUTE=30", timezone: "America/New_York" }, AGENTS);
    expect(hourly).toMatchObject({ nextRunAt: "2030-03-06T12:30:00.000Z", scheduleText: "Every hour at :30" });
    await services.automations.delete(t.member, created.id);
    expect(changes).toBe(5);
    stop();
    await expectServiceError(services.automations.update(t.member, crypto.randomUUID(), { name: "x" }, AGENTS), "not_found");
    await expectServiceError(services.automations.update(t.member, (await services.automations.create(t.member, weekdays(), AGENTS)).id, {}, AGENTS), "invalid");
  });

  test("delete takes the runs and prompt versions with it", async () => {
    const t = await team("delete");
    const created = await suite.services.automations.create(t.member, weekdays(), AGENTS);
    await suite.services.automationRuns.createManual(created, { status: "dispatch_failed", error: "no host" }, null);
    expect(await suite.services.automationRuns.list(created.id, 10)).toHaveLength(1);
    expect(await suite.services.automations.delete(t.member, created.id)).toEqual({ deleted: true, id: created.id });
    expect(await suite.services.automationRuns.list(created.id, 10)).toEqual([]);
    const { automationPromptVersions: versions } = suite.db.tables;
    expect(await suite.db.orm.select().from(versions).where(eq(versions.automationId, created.id))).toEqual([]);
    expect(await suite.services.automations.get(t.member, created.id)).toBeNull();
  });
});
