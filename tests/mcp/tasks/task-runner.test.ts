/** The task runner: results and failures land in the record, progress becomes statusMessage, cancel aborts the call. */
import { describe, expect, test } from "bun:test";
import { createMemoryStore } from "../../../src/store/memory.ts";
import { createTaskStore } from "../../../src/mcp/tasks/task-store.ts";
import { createTaskRunner, statusMessageOf, type TaskCallExtras } from "../../../src/mcp/tasks/task-runner.ts";
import type { CallToolResult } from "../../../src/mcp/tool-calls.ts";
import { eventually } from "../../helpers/eventually.ts";

const done = (text: string): CallToolResult => ({ content: [{ type: "text", text }] });

function setup(watchIntervalMs = 10) {
  const tasks = createTaskStore({ store: createMemoryStore({ maxEntries: 100 }) });
  return { tasks, runner: createTaskRunner(tasks, { watchIntervalMs }) };
}

/** A call that waits until the test settles it, exposing what the runner gave it. */
function heldCall() {
  const held = Promise.withResolvers<CallToolResult>();
  let extras: TaskCallExtras | undefined;
  return {
    call: (given: TaskCallExtras) => {
      extras = given;
      const cancelled = () => held.resolve({ content: [{ type: "text", text: "cancelled" }], isError: true });
      if (given.signal.aborted) cancelled();
      given.signal.addEventListener("abort", cancelled);
      return held.promise;
    },
    extras: () => extras!,
    ...held,
  };
}

const statusOf = async (tasks: ReturnType<typeof setup>["tasks"], taskId: string) => (await tasks.get("k", taskId))?.status;

describe("task runner", () => {
  test("a call becomes a stored working task, then completed with its result (a tool failure included)", async () => {
    const { tasks, runner } = setup();
    for (const result of [done("ok"), { ...done("no such host"), isError: true }]) {
      const held = heldCall();
      const started = await runner.start({ ownerKey: "k", callId: "c1", call: held.call });
      if (!("task" in started)) throw new Error("expected a task");
      expect(await tasks.get("k", started.task.taskId)).toMatchObject({ status: "working" });
      expect(runner.runningCount()).toBe(1);
      held.resolve(result);
      await eventually("completion", async () => (await statusOf(tasks, started.task.taskId)) === "completed");
      expect((await tasks.get("k", started.task.taskId))?.result).toEqual(result);
      await eventually("the run to end", () => runner.runningCount() === 0);
    }
  });

  test("a call that throws is a failed task with a JSON-RPC error and no result", async () => {
    const { tasks, runner } = setup();
    const held = heldCall();
    const started = await runner.start({ ownerKey: "k", callId: "c2", call: held.call });
    if (!("task" in started)) throw new Error("expected a task");
    held.reject(new Error("boom"));
    await eventually("failure", async () => (await statusOf(tasks, started.task.taskId)) === "failed");
    const task = await tasks.get("k", started.task.taskId);
    expect(task?.error).toEqual({ code: -32603, message: "Internal error (call id c2)." });
    expect(task).not.toHaveProperty("result");
  });

  test("progress becomes the statusMessage, the newest one winning", async () => {
    const { tasks, runner } = setup();
    const held = heldCall();
    const started = await runner.start({ ownerKey: "k", callId: "c3", call: held.call });
    if (!("task" in started)) throw new Error("expected a task");
    held.extras().progress(10, 100, "Receiving objects: 10%");
    held.extras().progress(20, 100, "Receiving objects: 20%");
    held.extras().progress(50, 100);
    await eventually("the newest status message", async () => (await tasks.get("k", started.task.taskId))?.statusMessage === "50%");
    held.resolve(done("ok"));
  });

  test("progress before the task exists is its first statusMessage", async () => {
    const { runner } = setup();
    const held = Promise.withResolvers<CallToolResult>();
    const started = await runner.start({ ownerKey: "k", callId: "c4", answerWithinMs: 0, call: ({ progress }) => (progress(1, 4, "Preparing worktree"), held.promise) });
    if (!("task" in started)) throw new Error("expected a task");
    expect(started.task.statusMessage).toBe("Preparing worktree");
    held.resolve(done("ok"));
  });

  test("a call done within answerWithinMs answers as itself and makes no task", async () => {
    const { runner } = setup();
    const started = await runner.start({ ownerKey: "k", callId: "c5", answerWithinMs: 60_000, call: async () => done("quick") });
    expect(started).toEqual({ result: done("quick") });
    expect(runner.runningCount()).toBe(0);
  });

  test("cancel marks the task cancelled and aborts its call; the late result does not overwrite it; cancel again changes nothing", async () => {
    const { tasks, runner } = setup();
    const held = heldCall();
    const started = await runner.start({ ownerKey: "k", callId: "c6", call: held.call });
    if (!("task" in started)) throw new Error("expected a task");
    expect(await runner.cancel("someone-else", started.task.taskId)).toBeNull();
    expect(held.extras().signal.aborted).toBe(false);
    const cancelled = await runner.cancel("k", started.task.taskId);
    expect(cancelled?.status).toBe("cancelled");
    expect(held.extras().signal.aborted).toBe(true);
    await eventually("the run to end", () => runner.runningCount() === 0);
    expect(await tasks.get("k", started.task.taskId)).toEqual(cancelled!);
    expect(await runner.cancel("k", started.task.taskId)).toEqual(cancelled!);
  });

  test("a cancel written by another replica is noticed by the watch and aborts the call", async () => {
    const { tasks, runner } = setup();
    const held = heldCall();
    const started = await runner.start({ ownerKey: "k", callId: "c7", call: held.call });
    if (!("task" in started)) throw new Error("expected a task");
    await tasks.update(started.task.taskId, { status: "cancelled" });
    await eventually("the abort", () => held.extras().signal.aborted);
  });

  test("the request's signal aborts the call only until it became a task", async () => {
    const { runner } = setup();
    const request = new AbortController();
    const held = heldCall();
    const started = await runner.start({ ownerKey: "k", callId: "c8", requestSignal: request.signal, call: held.call });
    if (!("task" in started)) throw new Error("expected a task");
    request.abort();
    expect(held.extras().signal.aborted).toBe(false);
    held.resolve(done("ok"));

    const before = new AbortController();
    before.abort();
    const early = heldCall();
    const answered = await runner.start({ ownerKey: "k", callId: "c9", requestSignal: before.signal, answerWithinMs: 60_000, call: early.call });
    expect(early.extras().signal.aborted).toBe(true);
    expect(answered).toEqual({ result: { content: [{ type: "text", text: "cancelled" }], isError: true } });
  });
});

describe("statusMessageOf", () => {
  test("the host's message, else a percentage, else the count", () => {
    expect(statusMessageOf(1, 2, "Cloning")).toBe("Cloning");
    expect(statusMessageOf(1, 4)).toBe("25%");
    expect(statusMessageOf(3)).toBe("3");
  });
});

describe("task changes", () => {
  test("onChange hears the creation, each status message, the completion and a cancel, with the owner", async () => {
    const tasks = createTaskStore({ store: createMemoryStore({ maxEntries: 100 }) });
    const heard: string[] = [];
    const runner = createTaskRunner(tasks, { watchIntervalMs: 10, onChange: (owner, task) => heard.push(`${owner} ${task.status} ${task.statusMessage ?? ""}`.trim()) });
    const held = heldCall();
    const started = await runner.start({ ownerKey: "k", callId: "n1", call: held.call });
    if (!("task" in started)) throw new Error("expected a task");
    held.extras().progress(1, 2, "Cloning");
    await eventually("the message", () => heard.length === 2);
    held.resolve(done("ok"));
    await eventually("the completion", () => heard.length === 3);
    const other = heldCall();
    const second = await runner.start({ ownerKey: "k", callId: "n2", call: other.call });
    if (!("task" in second)) throw new Error("expected a task");
    await runner.cancel("k", second.task.taskId);
    await eventually("the run to end", () => runner.runningCount() === 0);
    expect(heard).toEqual(["k working", "k working Cloning", "k completed Cloning", "k working", "k cancelled Cancelled by the client."]);
  });
});

describe("stopAll", () => {
  test("fails every running task with an error saying to call again, and aborts its call; finished tasks stay", async () => {
    const { tasks, runner } = setup();
    const first = heldCall();
    const finished = await runner.start({ ownerKey: "k", callId: "s1", call: first.call });
    if (!("task" in finished)) throw new Error("expected a task");
    first.resolve(done("first"));
    await eventually("the first task to complete", async () => (await statusOf(tasks, finished.task.taskId)) === "completed");
    const held = heldCall();
    const started = await runner.start({ ownerKey: "k", callId: "s2", call: held.call });
    if (!("task" in started)) throw new Error("expected a task");
    await runner.stopAll();
    expect(held.extras().signal.aborted).toBe(true);
    expect(await tasks.get("k", started.task.taskId)).toMatchObject({ status: "failed", error: { code: -32603, message: "The server stopped before this task finished; call the tool again." } });
    await eventually("the run to end", () => runner.runningCount() === 0);
    expect((await tasks.get("k", started.task.taskId))?.status).toBe("failed");
    expect((await tasks.get("k", finished.task.taskId))?.status).toBe("completed");
  });
});
