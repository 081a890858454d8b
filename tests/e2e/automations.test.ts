/**
 * "Schedule a daily automation that triages new issues at 9am Berlin time", end to end: a real
 * server with its scheduler on a clock the test moves, a real `superset host run` process over a
 * real WebSocket, and a fake agent command. The scheduled run ends `succeeded` with its output, a
 * command exiting 3 ends `failed` with exit code 3 and its output, a hostile prompt reaches the
 * agent as one argument, and automations_run runs now without touching the schedule.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUILTIN_AGENT_PRESETS } from "../../src/config/defaults.ts";
import { createScheduler, type Scheduler } from "../../src/scheduler/scheduler.ts";
import { DEV_USERNAME, initialize, toolResult } from "../helpers/app.ts";
import { manualClock, type ManualClock } from "../helpers/clock.ts";
import { actorFor } from "../helpers/fixtures.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { agentProcess, listeningApp, registerHost, type ListeningApp } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";

setDefaultTimeout(60_000);

const FAKE_AGENT = join(import.meta.dir, "../fixtures/fake-agent.sh");
const HOSTILE_PROMPT = `Triage new issues'; rm -rf ~; ' $(touch /tmp/superset-auto-pwned-${process.pid}) \`id\`\n  --help "quoted" ünïcødé`;

let t: ListeningApp;
let agent: ReturnType<typeof agentProcess>;
let session: string;
let clock: ManualClock;
let scheduler: Scheduler;
let argvFile: string;

async function call(name: string, args: Record<string, unknown>) {
  const result = await toolResult(t.app, name, args, session);
  if (result.isError) throw new Error(`${name} failed: ${result.content[0]!.text}`);
  return result.structuredContent as Record<string, any>;
}

/** The automation's runs once `done` holds for them (polled: the host reports when its agent exits). */
async function runsWhen(automationId: string, done: (runs: Record<string, any>[]) => boolean) {
  let runs: Record<string, any>[] = [];
  await eventually(`runs of ${automationId} to settle (agent log: ${agent.output()})`, async () => {
    runs = (await call("automations_logs", { automationId })).result;
    return done(runs);
  });
  return runs;
}

beforeAll(async () => {
  argvFile = join(tempDir("superset-auto-argv-"), "argv");
  const preset = (exit: number) => ({
    label: `Fake agent exiting ${exit}`,
    command: FAKE_AGENT,
    args: ["--print"],
    promptTransport: "argv" as const,
    promptArgs: [],
    resumeArgs: [],
    env: { FAKE_AGENT_OUT: argvFile, FAKE_AGENT_EXIT: String(exit) },
  });
  t = await listeningApp({ AGENT_PRESETS: { ...BUILTIN_AGENT_PRESETS, "fake-ok": preset(0), "fake-fail": preset(3) } });
  clock = manualClock(new Date());
  scheduler = createScheduler({ services: t.services, hub: t.hosts.hub, dispatcher: t.hosts.runs, clock, runTimeoutSeconds: t.config.RUN_TIMEOUT_SECONDS });
  await scheduler.start();
  agent = agentProcess({ baseUrl: t.baseUrl, token: await registerHost(t.services, await actorFor(t.services, DEV_USERNAME), "build-box"), env: { HOME: tempDir("superset-home-") } });
  session = await initialize(t.app);
  await eventually(`the agent to connect (its log: ${agent.output()})`, async () => (await call("hosts_list", {})).result[0]?.online === true);
});

afterAll(async () => {
  await scheduler.stop();
  await agent.stop();
  await t.stop();
  removeTempDirs();
});

describe("a daily triage automation at 9am Berlin time", () => {
  let automationId = "";
  let nextRunAt = "";

  test("automations_create schedules it at 09:00 Berlin, stated in words", async () => {
    const { automation } = await call("automations_create", {
      name: "Triage new issues",
      prompt: HOSTILE_PROMPT,
      agent: "fake-ok",
      rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
      timezone: "Europe/Berlin",
      targetHostId: agent.hostId,
    });
    expect(automation).toMatchObject({ scheduleText: "Daily at 9:00", enabled: true, targetHostId: agent.hostId, prompt: HOSTILE_PROMPT });
    const local = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", hour: "2-digit", minute: "2-digit" }).format(new Date(automation.nextRunAt));
    expect(local).toBe("09:00");
    automationId = automation.id;
    nextRunAt = automation.nextRunAt;
  });

  test("at its time it runs on the host and ends succeeded, with exit code, duration and output", async () => {
    clock.set(nextRunAt);
    const [run] = await runsWhen(automationId, (runs) => runs[0]?.status === "succeeded");
    expect(run).toMatchObject({ trigger: "schedule", scheduledFor: new Date(nextRunAt).toISOString(), hostId: agent.hostId, status: "succeeded", exitCode: 0, error: null });
    expect(run!.durationMs).toBeGreaterThanOrEqual(0);
    expect(run!.workspaceId).toEqual(expect.any(String));
    expect(run!.outputTail).toContain("fake-agent done");

    // The prompt reached the agent as one argument, after the run header, exactly as written.
    const argv = readFileSync(argvFile, "utf8").split("\0").slice(0, -1);
    expect(argv).toHaveLength(2);
    expect(argv[0]).toBe("--print");
    expect(argv[1]).toStartWith(`Superset automation "Triage new issues" (automation ${automationId}, run ${run!.id})`);
    expect(argv[1]).toEndWith(`\n\n${HOSTILE_PROMPT}`);
    expect(existsSync(`/tmp/superset-auto-pwned-${process.pid}`)).toBe(false);

    const [detail] = (await call("automations_logs", { automationId, runId: run!.id })).result;
    expect(detail.output).toContain("ARG[1]=--print");
    expect(detail.output).not.toMatch(/\u001b\[/);

    // The schedule moved on to tomorrow 09:00 Berlin.
    const { result } = await call("automations_get", { id: automationId });
    expect(new Date(result.nextRunAt).getTime() - new Date(nextRunAt).getTime()).toBeGreaterThanOrEqual(23 * 3600_000);
  });

  test("a scheduled run whose command exits 3 ends failed with exit code 3 and its output", async () => {
    const { automation } = await call("automations_create", {
      name: "Nightly cleanup",
      prompt: "Clean up.",
      agent: "fake-fail",
      rrule: "FREQ=DAILY;BYHOUR=10;BYMINUTE=30",
      timezone: "Europe/Berlin",
      targetHostId: agent.hostId,
    });
    clock.set(new Date(Math.max(clock.now().getTime(), new Date(automation.nextRunAt).getTime())));
    const [failed] = await runsWhen(automation.id, (runs) => runs[0]?.status === "failed");
    expect(failed).toMatchObject({ trigger: "schedule", scheduledFor: automation.nextRunAt, status: "failed", exitCode: 3 });
    expect(failed!.outputTail).toContain("fake-agent done");
    expect(failed!.outputTail).toContain("ARG[1]=--print");
  });

  test("automations_run runs now, leaves the schedule as it was, and the run's terminal stays readable", async () => {
    const before = (await call("automations_get", { id: automationId })).result.nextRunAt;
    const { runId, status } = await call("automations_run", { id: automationId });
    expect(status).toBe("running");
    const runs = await runsWhen(automationId, (all) => all.find((run) => run.id === runId)?.status === "succeeded");
    const run = runs.find((candidate) => candidate.id === runId)!;
    expect(run).toMatchObject({ trigger: "manual", exitCode: 0 });
    expect((await call("automations_get", { id: automationId })).result.nextRunAt).toBe(before);
    const screen = await call("terminals_read", { hostId: agent.hostId, workspaceId: run.workspaceId, terminalId: run.terminalId });
    expect(screen.text).toContain("fake-agent done");
  });

  test("with the host offline, a due run is recorded as skipped_offline naming the host", async () => {
    await agent.stop();
    await eventually("the host to be offline", async () => (await call("hosts_list", {})).result[0]?.online === false);
    const due = (await call("automations_get", { id: automationId })).result.nextRunAt;
    clock.set(due);
    const [latest] = await runsWhen(automationId, (runs) => runs[0]?.scheduledFor === due && runs[0]?.status === "skipped_offline");
    expect(latest!.error).toContain('Host "build-box"');
    expect(latest!.error).toContain("superset host run");
  });
});
