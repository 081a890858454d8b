/** The automation tools through MCP: the flow without a host, the error sentences, hostile input, and nothing stored changed by a refusal. */
import { beforeAll, describe, expect, test } from "bun:test";
import { createTestApp, initialize, toolResult, type TestApp } from "../helpers/app.ts";
import { expectWellFormedResult } from "../helpers/tool-results.ts";

let t: TestApp;
let sessionId: string;

async function run(name: string, args: Record<string, unknown>): Promise<{ value?: any; error?: string }> {
  const result = await toolResult(t.app, name, args, sessionId);
  expectWellFormedResult(name, result);
  return result.isError ? { error: result.content[0]!.text } : { value: result.structuredContent };
}

async function ok(name: string, args: Record<string, unknown>): Promise<any> {
  const { value, error } = await run(name, args);
  if (error !== undefined) throw new Error(`${name} failed: ${error}`);
  return value;
}

async function fails(name: string, args: Record<string, unknown>): Promise<string> {
  const { error } = await run(name, args);
  if (error === undefined) throw new Error(`${name} succeeded where it should fail`);
  expect(error).not.toContain("\n");
  expect(error).toMatch(/\.$/);
  expect(error).not.toStartWith("Internal error");
  return error;
}

const daily = { name: "Nightly triage", prompt: "Triage new issues.", agent: "claude", rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", timezone: "Europe/Berlin" };

beforeAll(async () => {
  t = await createTestApp();
  sessionId = await initialize(t.app);
});

describe("automation tools", () => {
  test("create, read, change, pause, resume and delete, each answering in the shape its description gives", async () => {
    const { automation } = await ok("automations_create", daily);
    expect(automation).toMatchObject({ name: "Nightly triage", scheduleText: "Daily at 9:00", enabled: true, prompt: "Triage new issues." });
    const { id } = automation;
    expect((await ok("automations_get", { id })).result).not.toHaveProperty("prompt");
    expect((await ok("automations_get", { id: crypto.randomUUID() })).result).toBeNull();
    expect((await ok("automations_get_prompt", { id })).result).toMatchObject({ id, prompt: "Triage new issues.", version: 1 });
    expect((await ok("automations_list", { name: "TRIAGE" })).result.map((item: { id: string }) => item.id)).toEqual([id]);
    expect((await ok("automations_update", { id, rrule: "FREQ=MINUTELY;INTERVAL=15" })).automation.scheduleText).toBe("Every 15 minutes");
    expect((await ok("automations_set_prompt", { id, prompt: "Triage, then label." })).automation.prompt).toBe("Triage, then label.");
    expect((await ok("automations_pause", { id })).automation).toMatchObject({ enabled: false, nextRunAt: null });
    expect((await ok("automations_resume", { id })).automation.nextRunAt).toEqual(expect.any(String));
    expect(await ok("automations_delete", { id })).toEqual({ deleted: true, id });
    expect(await fails("automations_pause", { id })).toContain("not found");
  });

  test("with no host, automations_run records a dispatch_failed run that says what to do, and logs show it", async () => {
    const { automation } = await ok("automations_create", daily);
    const answer = await ok("automations_run", { id: automation.id });
    expect(answer).toEqual({ automationId: automation.id, runId: expect.any(String), status: "dispatch_failed" });
    const { result } = await ok("automations_logs", { automationId: automation.id });
    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ id: answer.runId, trigger: "manual", status: "dispatch_failed", hostId: null });
    expect(result[0].error).toContain("superset hosts register");
    expect(result[0]).not.toHaveProperty("output");
    const [detail] = (await ok("automations_logs", { automationId: automation.id, runId: answer.runId })).result;
    expect(detail).toMatchObject({ id: answer.runId, output: null });
    expect(await fails("automations_logs", { automationId: automation.id, runId: crypto.randomUUID() })).toContain("not found");
    // The schedule is untouched by a run now.
    expect((await ok("automations_get", { id: automation.id })).result.nextRunAt).toBe(automation.nextRunAt);
  });

  test("bad arguments are refused with the path and rule, and nothing stored changes", async () => {
    const { automation } = await ok("automations_create", { ...daily, name: "Kept as is" });
    const before = await ok("automations_list", {});
    expect(await fails("automations_update", { id: automation.id })).toContain("give at least one field to change besides id");
    expect(await fails("automations_create", { ...daily, prompt: "a\u0000b" })).toContain("prompt: must not contain NUL characters");
    expect(await fails("automations_create", { ...daily, rrule: "x".repeat(501) })).toContain("rrule");
    expect(await fails("automations_create", { ...daily, prompt: "" })).toContain("prompt");
    expect(await fails("automations_create", { ...daily, timezone: "Europe/Narnia" })).toMatch(/time zone/i);
    expect(await fails("automations_create", { ...daily, rrule: "FREQ=SECONDLY" })).toMatch(/minute/i);
    expect(await fails("automations_create", { ...daily, rrule: "FREQ=DAILY;BYHOUR=9\nDTSTART:20200101T000000Z" })).toMatch(/DTSTART|line/);
    expect(await fails("automations_create", { ...daily, dtstart: "yesterday" })).toContain("dtstart");
    expect(await fails("automations_create", { ...daily, v2ProjectId: crypto.randomUUID() })).toContain("projects_list");
    expect(await fails("automations_create", { ...daily, targetHostId: "../../etc/passwd" })).toContain("hosts_list");
    expect(await fails("automations_update", { id: automation.id, timezone: "Nowhere/Else" })).toMatch(/time zone/i);
    expect(await fails("automations_update", { id: automation.id, rrule: "FREQ=DAILY;COUNT=1", dtstart: "2020-01-01T00:00:00Z" })).toContain("no occurrence after");
    expect(await fails("automations_logs", { automationId: automation.id, limit: 101 })).toContain("limit");
    expect(await ok("automations_list", {})).toEqual(before);
  });

  test("an offset dtstart is accepted and kept as the same instant", async () => {
    const { automation } = await ok("automations_create", { ...daily, name: "Offset start", dtstart: "2031-05-01T09:30:00+02:00" });
    expect(automation.dtstart).toBe("2031-05-01T07:30:00.000Z");
    expect(automation.nextRunAt).toBe("2031-05-02T07:00:00.000Z");
  });
});
