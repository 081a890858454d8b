/**
 * Run reports over a real WebSocket (a stand-in server): sent when the run ends and after every
 * reconnect until the server acknowledges them; a repeated run.start answers the first outcome
 * with one agent; a run cut short by the agent stopping or dying is reported canceled when it
 * starts again.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HOST_STOPPED_ERROR } from "../../src/agent/run-tracker.ts";
import { startHostAgent } from "../../src/agent/run.ts";
import type { ServerFrame } from "../../src/hosts/protocol.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { fakePreset, startParams, type StartParams } from "./run-fixtures.ts";
import { standInServer, type StandInServer } from "./stand-in-server.ts";
import { useEmptyHome } from "./terminal-helpers.ts";
import { eventually } from "../helpers/eventually.ts";

setDefaultTimeout(60_000);
useEmptyHome();
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  removeTempDirs();
});

const TOKEN = `sk_host_${"x".repeat(43)}`;
const HOST_AGENT = join(import.meta.dir, "../fixtures/host-agent.ts");
const randomHostId = () => crypto.randomUUID().replaceAll("-", "");

/** A session-placed run.start command (no project needed on the host). */
function runStart(id: string, runId: string, overrides: Partial<StartParams> = {}): ServerFrame {
  return { type: "command", id, name: "run.start", params: startParams(0, { runId, newWorkspaceId: `ws-${runId}`, placement: { mode: "session" }, ...overrides }) };
}

function server(): StandInServer {
  const made = standInServer();
  cleanups.push(() => made.stop());
  return made;
}

function agentIn(dataDir: string, url: string) {
  const agent = startHostAgent({ serverUrls: [url], token: TOKEN, dataDir, hostId: randomHostId() });
  cleanups.push(() => agent.stop());
  return agent;
}

/** The host agent as its own process, so a test can SIGKILL it. */
function agentProcess(dataDir: string, url: string) {
  const child = Bun.spawn([process.execPath, HOST_AGENT, url, dataDir, randomHostId()], { stdout: "ignore", stderr: "ignore" });
  cleanups.push(() => child.kill("SIGKILL"));
  return child;
}

const recordOf = (dataDir: string, runId: string) => JSON.parse(readFileSync(join(dataDir, "runs", `${runId}.json`), "utf8")) as { acknowledged?: boolean; report?: unknown };
/** How many fake agents the host's terminals hold now, asked with an inventory command. */
async function fakeAgents(stand: StandInServer): Promise<number> {
  const id = crypto.randomUUID();
  stand.send({ type: "command", id, name: "inventory", params: {} });
  const answer = await eventually("the inventory", () => stand.of("result").find((frame) => frame.id === id));
  const { terminals } = (answer as { result: { terminals: Array<{ label: string }> } }).result;
  return terminals.filter((terminal) => terminal.label === "Fake Agent").length;
}

describe("run reports over the connection", () => {
  test("a report is sent when its run ends, again after every reconnect, and no more once acknowledged", async () => {
    const stand = server();
    const dataDir = tempDir("superset-data-");
    agentIn(dataDir, stand.url);
    await stand.waitFor("hello");
    stand.send(runStart("cmd-1", "run-a"));
    const [first] = await stand.waitFor("run");
    expect(first!.report).toMatchObject({ runId: "run-a", status: "succeeded", exitCode: 0, error: null });
    expect(first!.report.output).toContain("fake-agent done\n");
    // The command's answer came first, on the same connection.
    const result = stand.of("result").find((frame) => frame.id === "cmd-1")!;
    expect(stand.frames.indexOf(result)).toBeLessThan(stand.frames.indexOf(first!));

    stand.drop();
    const [, again] = await stand.waitFor("run", 2);
    expect(again!.connection).toBe(2);
    expect(again!.report).toEqual(first!.report);

    stand.send({ type: "runAck", runId: "run-a" });
    await eventually("the acknowledgement on disk", () => recordOf(dataDir, "run-a").acknowledged || undefined);
    expect(recordOf(dataDir, "run-a").report).toBeUndefined();
    stand.drop();
    await stand.waitFor("hello", 3);
    await Bun.sleep(500);
    expect(stand.of("run")).toHaveLength(2);
  });

  test("the same command id again, also after a reconnect, answers the first outcome and starts one agent", async () => {
    const stand = server();
    agentIn(tempDir("superset-data-"), stand.url);
    await stand.waitFor("hello");
    const command = runStart("cmd-same", "run-same", { preset: fakePreset({ FAKE_AGENT_SLEEP: "30" }) });
    stand.send(command);
    const [first] = await stand.waitFor("result");
    expect(first).toMatchObject({ ok: true });
    stand.send(command);
    await stand.waitFor("result", 2);
    stand.drop();
    await stand.waitFor("hello", 2);
    stand.send(command);
    const results = await stand.waitFor("result", 3);
    for (const result of results) expect({ ...result, connection: 0 }).toEqual({ ...first!, connection: 0 });
    expect(await fakeAgents(stand)).toBe(1);
  });

  test("an agent stopped while a run goes reports it canceled with its output so far, after it starts again", async () => {
    const stand = server();
    const dataDir = tempDir("superset-data-");
    const first = agentIn(dataDir, stand.url);
    await stand.waitFor("hello");
    stand.send(runStart("cmd-long", "run-long", { preset: fakePreset({ FAKE_AGENT_SLEEP: "30" }) }));
    await stand.waitFor("result");
    await Bun.sleep(300);
    await first.stop();
    expect(stand.of("run")).toEqual([]);

    agentIn(dataDir, stand.url);
    const [report] = await stand.waitFor("run");
    expect(report!.report).toMatchObject({ runId: "run-long", status: "canceled", exitCode: null, error: HOST_STOPPED_ERROR });
    expect(report!.report.output).toContain("fake-agent cwd=");
  });

  test("an agent killed while a run goes reports it canceled when it starts again, and a re-sent start starts no second agent", async () => {
    const stand = server();
    const dataDir = tempDir("superset-data-");
    const killed = agentProcess(dataDir, stand.url);
    await stand.waitFor("hello");
    const command = runStart("cmd-crash", "run-crash", { preset: fakePreset({ FAKE_AGENT_SLEEP: "30" }) });
    stand.send(command);
    const [answered] = await stand.waitFor("result");
    killed.kill("SIGKILL");
    await killed.exited;

    agentProcess(dataDir, stand.url);
    const [report] = await stand.waitFor("run");
    expect(report!.connection).toBe(2);
    expect(report!.report).toMatchObject({ runId: "run-crash", status: "canceled", exitCode: null, output: "", error: HOST_STOPPED_ERROR });
    stand.send(command);
    const [, again] = await stand.waitFor("result", 2);
    expect({ ...again!, connection: 0 }).toEqual({ ...answered!, connection: 0 });
    expect(await fakeAgents(stand)).toBe(0);
  });
});
