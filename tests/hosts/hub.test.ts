/**
 * The hub alone, with links that record frames instead of sockets: an offline host fails at
 * once with a sentence, a command survives a reconnect with its id, results are checked,
 * progress is passed on, a silent host goes offline, a timeout says what to check, stop sends
 * every host away with "going away" and fails what still waits, and an aborted call fails at once
 * as cancelled, tells the host, and ignores the host's late answer.
 */
import { describe, expect, test } from "bun:test";
import { createHostHub } from "../../src/hosts/hub.ts";
import type { HostRegistration } from "../../src/services/hosts.ts";
import type { Services } from "../../src/services/index.ts";
import { recordingLink, testHost } from "../helpers/host-links.ts";
import { eventually } from "../helpers/eventually.ts";

const host = testHost();

const seen: string[] = [];
let revoked = false;
/** Run reports the hub handed to the services; a report of run "unstorable" fails to store. */
const reports: { registrationId: string; runId: string }[] = [];
const services = {
  automationRuns: {
    async finishFromHost(registration: HostRegistration, report: { runId: string }) {
      if (report.runId === "unstorable") throw new Error("database unavailable");
      reports.push({ registrationId: registration.registrationId, runId: report.runId });
      return true;
    },
  },
  hosts: {
    touchLastSeen: async (id: string) => void seen.push(id),
    reconcileInventory: async () => undefined,
    findRegistration: async () => ({ ...host, revokedAt: revoked ? "2026-11-21T00:00:00.000Z" : null }),
  },
} as unknown as Services;

const hub = (nowMs?: () => number, commandTimeoutSeconds = 120) => createHostHub({ services, commandTimeoutSeconds, serverUrl: "https://superset.example.test", nowMs });

describe("host hub", () => {
  test("an offline host fails at once with its name, since when, and how to start it", async () => {
    const h = hub();
    const started = Date.now();
    const error = await h.command(host, "inventory", {}).catch((e: Error) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((error as Error).message).toBe(
      'Host "build-box" (0123456789abcdef0123456789abcdef) is offline since 2026-11-20T08:00:00.000Z; start its agent on that machine with "superset host run --server https://superset.example.test --token <its host token>" (or "systemctl --user start superset-host") and try again.',
    );
    h.stop();
  });

  test("welcome on attach, a checked result, and progress passed on", async () => {
    const h = hub();
    const socket = recordingLink();
    h.attach(host, socket.link);
    expect(socket.frames[0]).toEqual({ type: "welcome", hostId: host.id!, organizationId: host.organizationId, heartbeatSeconds: 15 });
    expect(h.isConnectedHere(host.registrationId)).toBe(true);
    const progress: number[] = [];
    const answer = h.command(host, "terminal.close", { workspaceId: "w", terminalId: "t" }, { onProgress: (value) => progress.push(value) });
    const [command] = socket.commands();
    expect(command!.name).toBe("terminal.close");
    h.receive(host.registrationId, { type: "progress", id: command!.id, progress: 1, total: 2 });
    h.receive(host.registrationId, { type: "result", id: command!.id, ok: true, result: { terminalId: "t", status: "disposed" } });
    expect(await answer).toEqual({ terminalId: "t", status: "disposed" });
    expect(progress).toEqual([1]);
    h.stop();
  });

  test("a malformed result and a host error become sentences; another host cannot answer", async () => {
    const h = hub();
    const socket = recordingLink();
    h.attach(host, socket.link);
    const malformed = h.command(host, "terminal.close", { workspaceId: "w", terminalId: "t" });
    const failing = h.command(host, "workspace.delete", { id: "w" });
    const [first, second] = socket.commands();
    h.receive("someone-else", { type: "result", id: first!.id, ok: true, result: { terminalId: "t", status: "disposed" } });
    h.receive(host.registrationId, { type: "result", id: first!.id, ok: true, result: { terminalId: 42 } });
    h.receive(host.registrationId, { type: "result", id: second!.id, ok: false, error: { code: "invalid", message: "The main workspace cannot be deleted." } });
    expect(((await malformed.catch((e) => e)) as Error).message).toStartWith('Host "build-box" (0123456789abcdef0123456789abcdef) answered terminal.close with a malformed result');
    expect(await failing.catch((e) => [(e as { kind: string }).kind, (e as Error).message])).toEqual(["invalid", "The main workspace cannot be deleted."]);
    h.stop();
  });

  test("a command waits through a disconnect and is sent again, with the same id, on reconnect", async () => {
    const h = hub();
    const first = recordingLink();
    h.attach(host, first.link);
    const answer = h.command(host, "workspace.update", { id: "w", name: "renamed" });
    const sent = first.commands()[0]!;
    h.detach(host.registrationId, first.link);
    expect(h.isConnectedHere(host.registrationId)).toBe(false);
    const second = recordingLink();
    h.attach(host, second.link);
    expect(second.commands().map((command) => command.id)).toEqual([sent.id]);
    const workspace = {
      id: "w",
      projectId: null,
      name: "renamed",
      branch: "main",
      type: "session",
      worktreePath: "/x",
      worktreeExists: true,
      taskId: null,
      createdByUserId: null,
      createdAt: "t",
      updatedAt: "t",
    };
    h.receive(host.registrationId, { type: "result", id: sent.id, ok: true, result: { workspace } });
    expect(await answer).toEqual({ workspace } as never);
    h.stop();
  });

  test("a second connection of the same host replaces the first", () => {
    const h = hub();
    const first = recordingLink();
    const second = recordingLink();
    h.attach(host, first.link);
    h.attach(host, second.link);
    expect(first.closes).toEqual([{ code: 4008, reason: "Another connection of this host replaced this one." }]);
    // The old socket's close event must not take the new one offline.
    h.detach(host.registrationId, first.link);
    expect(h.isConnectedHere(host.registrationId)).toBe(true);
    h.stop();
  });

  test("a host silent for 45 s is closed and offline", () => {
    let now = 1_000_000;
    const h = hub(() => now);
    const socket = recordingLink();
    h.attach(host, socket.link);
    now += 44_000;
    h.sweep();
    expect(h.isConnectedHere(host.registrationId)).toBe(true);
    h.receive(host.registrationId, { type: "heartbeat" });
    now += 44_000;
    h.sweep();
    expect(h.isConnectedHere(host.registrationId)).toBe(true);
    now += 2_000;
    h.sweep();
    expect(h.isConnectedHere(host.registrationId)).toBe(false);
    expect(socket.closes[0]!.code).toBe(1001);
    h.stop();
  });

  test("presence is written at most once a minute, and a host revoked meanwhile is closed then", async () => {
    let now = 2_000_000;
    const h = hub(() => now);
    const socket = recordingLink();
    h.attach(host, socket.link);
    seen.length = 0;
    now += 30_000;
    h.receive(host.registrationId, { type: "heartbeat" });
    now += 31_000;
    h.receive(host.registrationId, { type: "heartbeat" });
    await eventually("the presence write", () => seen.length > 0);
    expect(seen).toEqual([host.registrationId]);
    revoked = true;
    now += 61_000;
    h.receive(host.registrationId, { type: "heartbeat" });
    await eventually("the revoked host's close", () => socket.closes.length > 0);
    expect(socket.closes).toEqual([{ code: 4001, reason: "This host was revoked; register the machine again with superset hosts register." }]);
    expect(h.isConnectedHere(host.registrationId)).toBe(false);
    revoked = false;
    h.stop();
  });

  test("progress re-arms the timeout, so long work that reports progress is not cut off", async () => {
    const h = hub();
    const socket = recordingLink();
    h.attach(host, socket.link);
    const answer = h.command(host, "terminal.close", { workspaceId: "w", terminalId: "t" }, { timeoutMs: 80 });
    const { id } = socket.commands()[0]!;
    for (let step = 1; step <= 4; step++) {
      await Bun.sleep(40);
      h.receive(host.registrationId, { type: "progress", id, progress: step });
    }
    h.receive(host.registrationId, { type: "result", id, ok: true, result: { terminalId: "t", status: "disposed" } });
    expect(await answer).toEqual({ terminalId: "t", status: "disposed" });
    h.stop();
  });

  test("no answer within the timeout says the host may still be working", async () => {
    const h = hub(undefined, 1);
    h.attach(host, recordingLink().link);
    const error = (await h.command(host, "workspace.delete", { id: "w" }, { timeoutMs: 50 }).catch((e) => e)) as Error;
    expect(error.message).toBe(
      'Host "build-box" (0123456789abcdef0123456789abcdef) sent no answer or progress for workspace.delete within 1 s; it may still be working, so check with workspaces_list or terminals_list before trying again.',
    );
    h.stop();
  });

  test("a run report is stored for the host that sent it and acknowledged; one that cannot be stored is not, so the host sends it again", async () => {
    const h = hub();
    const socket = recordingLink();
    h.attach(host, socket.link);
    const report = { status: "succeeded" as const, exitCode: 0, startedAt: "2026-11-21T09:00:00.000Z", finishedAt: "2026-11-21T09:01:00.000Z", durationMs: 60_000, output: "done", error: null };
    h.receive(host.registrationId, { type: "run", report: { ...report, runId: "run-1" } });
    h.receive(host.registrationId, { type: "run", report: { ...report, runId: "unstorable" } });
    await eventually("the run-1 acknowledgement", () => socket.frames.some((frame) => frame.type === "runAck"));
    expect(reports).toEqual([{ registrationId: host.registrationId, runId: "run-1" }]);
    expect(socket.frames.filter((frame) => frame.type === "runAck")).toEqual([{ type: "runAck", runId: "run-1" }]);
    // A socket that is not attached (never said hello, or replaced) reports nothing.
    h.receive(crypto.randomUUID(), { type: "run", report: { ...report, runId: "run-2" } });
    await Bun.sleep(10);
    expect(reports).toHaveLength(1);
    h.stop();
  });

  test("stop closes every socket with going away and fails the commands still waiting with a sentence", async () => {
    const h = hub();
    const socket = recordingLink();
    h.attach(host, socket.link);
    const waiting = h.command(host, "inventory", {});
    h.stop();
    expect(socket.closes).toEqual([{ code: 1001, reason: "The server is shutting down; reconnecting." }]);
    expect(await waiting.catch((e) => [(e as { kind: string }).kind, (e as Error).message])).toEqual([
      "unavailable",
      'Host "build-box" (0123456789abcdef0123456789abcdef) could not answer inventory: the server is shutting down; it may still be working, so check with workspaces_list or terminals_list once the server is back.',
    ]);
    expect(h.isConnectedHere(host.registrationId)).toBe(false);
  });

  test("a host whose hello completes after stop is sent away rather than kept", () => {
    const h = hub();
    h.stop();
    const late = recordingLink();
    h.attach(host, late.link);
    expect(late.closes).toEqual([{ code: 1001, reason: "The server is shutting down; reconnecting." }]);
    expect(late.frames).toEqual([]);
    expect(h.isConnectedHere(host.registrationId)).toBe(false);
  });

  test("an aborted call fails at once as cancelled, sends abort to the host, and ignores its late answer", async () => {
    const h = hub();
    const socket = recordingLink();
    h.attach(host, socket.link);
    const caller = new AbortController();
    const progress: number[] = [];
    const answer = h.command(host, "workspace.delete", { id: "w" }, { signal: caller.signal, onProgress: (value) => progress.push(value) });
    const { id } = socket.commands()[0]!;
    caller.abort();
    const error = (await answer.catch((e) => e)) as { kind: string; message: string };
    expect([error.kind, error.message]).toEqual([
      "cancelled",
      'The call was cancelled before Host "build-box" (0123456789abcdef0123456789abcdef) finished workspace.delete; the host was told to stop it and undo what it had started.',
    ]);
    expect(socket.frames.at(-1)).toEqual({ type: "abort", id });
    // What the host says about that id afterwards reaches nobody.
    h.receive(host.registrationId, { type: "progress", id, progress: 1 });
    h.receive(host.registrationId, { type: "result", id, ok: true, result: { success: true, worktreeRemoved: true, branchDeleted: false, warnings: [] } });
    expect(progress).toEqual([]);
    h.stop();
  });

  test("a call whose caller is already gone is not sent; an abort after the answer changes nothing", async () => {
    const h = hub();
    const socket = recordingLink();
    h.attach(host, socket.link);
    const gone = new AbortController();
    gone.abort();
    expect(((await h.command(host, "inventory", {}, { signal: gone.signal }).catch((e) => e)) as { kind: string }).kind).toBe("cancelled");
    expect(socket.commands()).toEqual([]);
    const caller = new AbortController();
    const answer = h.command(host, "terminal.close", { workspaceId: "w", terminalId: "t" }, { signal: caller.signal });
    h.receive(host.registrationId, { type: "result", id: socket.commands()[0]!.id, ok: true, result: { terminalId: "t", status: "disposed" } });
    expect(await answer).toEqual({ terminalId: "t", status: "disposed" });
    caller.abort();
    expect(socket.frames.some((frame) => frame.type === "abort")).toBe(false);
    h.stop();
  });
});
