/**
 * The scheduler's claims on both databases (./claim-writes.ts writes them differently per
 * dialect): every field of a run row lands as decided, an occurrence already recorded is not won
 * again, and next_run_at moves only where it still holds the value the scheduler read.
 */
import { expect, test } from "bun:test";
import { eq, inArray } from "drizzle-orm";
import type { RunClaim } from "../../src/services/automation-claims.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { createTeam } from "../helpers/fixtures.ts";

const DUE = new Date("2031-01-06T08:00:00Z");
const NEXT = { at: new Date("2031-01-07T08:00:00Z"), local: "2031-01-07T09:00:00" };

describeEachDatabase("automation claims", (suite) => {
  /** `count` enabled automations of a new team, all due at DUE, with names given by `name`. */
  async function dueAutomations(count: number, name = (i: number) => `claim ${i}`) {
    const { db, services } = suite;
    await db.orm.delete(db.tables.automations);
    const team = await createTeam(services, "claims");
    const now = new Date();
    const rows = Array.from({ length: count }, (_, i) => ({
      id: crypto.randomUUID(),
      organizationId: team.organization.id,
      ownerUserId: team.member.userId,
      name: name(i),
      agent: "claude",
      prompt: "Triage.",
      promptVersion: 1,
      rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
      dtstart: new Date("2031-01-01T08:00:00Z"),
      timezone: "Europe/Berlin",
      enabled: true,
      nextRunAt: DUE,
      nextRunLocal: "2031-01-06T09:00:00",
      createdAt: now,
      updatedAt: now,
    }));
    for (let start = 0; start < rows.length; start += 500) await db.orm.insert(db.tables.automations).values(rows.slice(start, start + 500));
    return services.automationClaims.due(DUE, count + 1);
  }

  const runsOf = (ids: string[]) => suite.db.orm.select().from(suite.db.tables.automationRuns).where(inArray(suite.db.tables.automationRuns.automationId, ids));
  const nextRuns = async (ids: string[]) => {
    const { automations } = suite.db.tables;
    const rows = await suite.db.orm.select({ id: automations.id, at: automations.nextRunAt, local: automations.nextRunLocal }).from(automations).where(inArray(automations.id, ids));
    return new Set(rows.map((row) => `${row.at?.toISOString()} ${row.local}`));
  };

  test("every field of a run row is recorded as decided, whatever the title holds", async () => {
    const titles = ['quote " and \\ backslash', "{braces}, commas, NULL", "ünïcödé 日本 🎉\nsecond line", ""];
    const due = await dueAutomations(titles.length, (i) => titles[i]!);
    const at = new Date("2031-01-06T08:00:00.250Z");
    const claims: RunClaim[] = due.map((automation, i) => ({
      automation,
      trigger: i === 0 ? "catch_up" : "schedule",
      coveredCount: i === 0 ? 3 : 1,
      coveredUntil: i === 0 ? new Date("2031-01-06T08:00:00.125Z") : null,
      title: automation.name,
      host: null,
      refusal: i % 2 === 0 ? { status: "skipped_offline", error: `offline ${automation.name}` } : null,
      next: NEXT,
    }));
    const won = await suite.services.automationClaims.claim(claims, at);
    expect(won.size).toBe(titles.length);
    const runs = await runsOf(due.map((automation) => automation.id));
    for (const claim of claims) {
      const run = runs.find((row) => row.automationId === claim.automation.id)!;
      expect(run.id).toBe(won.get(claim.automation.id)!);
      expect({
        organizationId: run.organizationId,
        trigger: run.trigger,
        scheduledFor: run.scheduledFor.toISOString(),
        coveredCount: run.coveredCount,
        coveredUntil: run.coveredUntil?.toISOString() ?? null,
        title: run.title,
        hostId: run.hostId,
        status: run.status,
        error: run.error,
        finishedAt: run.finishedAt?.toISOString() ?? null,
        createdAt: run.createdAt.toISOString(),
      }).toEqual({
        organizationId: claim.automation.organizationId,
        trigger: claim.trigger,
        scheduledFor: DUE.toISOString(),
        coveredCount: claim.coveredCount,
        coveredUntil: claim.coveredUntil?.toISOString() ?? null,
        title: claim.title,
        hostId: null,
        status: claim.refusal?.status ?? "dispatching",
        error: claim.refusal?.error ?? null,
        finishedAt: claim.refusal ? at.toISOString() : null,
        createdAt: at.toISOString(),
      });
    }
    expect(await nextRuns(due.map((automation) => automation.id))).toEqual(new Set([`${NEXT.at.toISOString()} ${NEXT.local}`]));
  });

  test("2,500 claims at once: one run each; claimed again, none is won and a schedule changed meanwhile keeps its time", async () => {
    const due = await dueAutomations(2500);
    const claims: RunClaim[] = due.map((automation) => ({
      automation,
      trigger: "schedule",
      coveredCount: 1,
      coveredUntil: null,
      title: automation.name,
      host: null,
      refusal: { status: "skipped_offline", error: "offline" },
      next: NEXT,
    }));
    const ids = due.map((automation) => automation.id);
    expect((await suite.services.automationClaims.claim(claims, DUE)).size).toBe(2500);
    expect(new Set((await runsOf(ids)).map((run) => run.automationId)).size).toBe(2500);

    // A second scheduler read the same rows before the first moved them; meanwhile one schedule was changed.
    const { automations } = suite.db.tables;
    const changed = new Date("2031-02-01T08:00:00Z");
    await suite.db.orm.update(automations).set({ nextRunAt: DUE, nextRunLocal: "2031-01-06T09:00:00" }).where(inArray(automations.id, ids));
    await suite.db.orm.update(automations).set({ nextRunAt: changed, nextRunLocal: "2031-02-01T09:00:00" }).where(eq(automations.id, ids[0]!));
    expect((await suite.services.automationClaims.claim(claims, DUE)).size).toBe(0);
    expect((await runsOf(ids)).length).toBe(2500);
    expect(await nextRuns(ids.slice(1))).toEqual(new Set([`${NEXT.at.toISOString()} ${NEXT.local}`]));
    expect(await nextRuns([ids[0]!])).toEqual(new Set([`${changed.toISOString()} 2031-02-01T09:00:00`]));
  });
});
