/** Tasks that ask for input: the record's questions and private answers, the runner's park and resume, tasks/update. */
import { describe, expect, test } from "bun:test";
import { createMemoryStore } from "../../../src/store/memory.ts";
import { RpcError } from "../../../src/mcp/jsonrpc.ts";
import { createTasks, TASK_METHODS, TASKS_EXTENSION, type TaskCaller } from "../../../src/mcp/tasks/methods.ts";
import { createTaskRunner, type InputRequiredAnswer, type TaskCallExtras } from "../../../src/mcp/tasks/task-runner.ts";
import { createTaskStore, TASK_ANSWERS_MAX_CHARS, type TaskInput } from "../../../src/mcp/tasks/task-store.ts";
import type { CallToolResult } from "../../../src/mcp/tool-calls.ts";
import { eventually } from "../../helpers/eventually.ts";

const done = (text: string): CallToolResult => ({ content: [{ type: "text", text }] });
const elicit = (message: string) => ({ method: "elicitation/create", params: { mode: "form", message, requestedSchema: { type: "object", properties: {} } } });
const accept = (content: Record<string, unknown>) => ({ action: "accept", content });

function setup(watchIntervalMs = 10) {
  const store = createMemoryStore({ maxEntries: 100 });
  const tasks = createTaskStore({ store });
  return { store, tasks, runner: createTaskRunner(tasks, { watchIntervalMs }) };
}

/** A call asking `rounds` one after another, then answering the inputs it was resumed with; records every run's input. */
function askingCall(rounds: InputRequiredAnswer[]) {
  const inputs: (TaskInput | undefined)[] = [];
  return {
    inputs,
    call: async ({ input }: TaskCallExtras): Promise<CallToolResult | InputRequiredAnswer> => {
      inputs.push(input);
      const round = rounds[inputs.length - 1];
      return round ?? done(JSON.stringify(input));
    },
  };
}

describe("task store: questions and answers", () => {
  test("answers are owner-checked, only pending keys are taken, and neither answers nor requestState are ever shown", async () => {
    const { store, tasks } = setup();
    const task = await tasks.create("k");
    await tasks.update(task.taskId, { status: "input_required", inputRequests: { a: elicit("A?"), b: elicit("B?") }, inputResponses: {}, requestState: "opaque" });
    expect(await tasks.answer("someone-else", task.taskId, { a: accept({}) })).toBeNull();
    expect(await tasks.answer("k", "not-a-task-id", { a: accept({}) })).toBeNull();
    const partial = await tasks.answer("k", task.taskId, { a: accept({ x: 1 }), unasked: accept({}) });
    expect(partial).toMatchObject({ status: "input_required", inputRequests: { b: elicit("B?") } });
    expect(partial).not.toHaveProperty("inputResponses");
    expect(partial).not.toHaveProperty("requestState");
    expect(await tasks.takeInput(task.taskId)).toBeNull();
    await tasks.answer("k", task.taskId, { b: accept({ y: 2 }) });
    expect(await tasks.takeInput(task.taskId)).toEqual({ inputResponses: { a: accept({ x: 1 }), b: accept({ y: 2 }) }, requestState: "opaque" });
    const resumed = JSON.parse((await store.get(`task:${task.taskId}`))!);
    expect(resumed.status).toBe("working");
    for (const gone of ["inputRequests", "inputResponses", "requestState"]) expect(resumed).not.toHaveProperty(gone);
    // Taken once: a second take (another replica's watch) gets nothing.
    expect(await tasks.takeInput(task.taskId)).toBeNull();
  });

  test("answers to a task that asks nothing change nothing; answers past the bound are refused", async () => {
    const { tasks } = setup();
    const working = await tasks.create("k");
    expect(await tasks.answer("k", working.taskId, { a: accept({}) })).toEqual(working);
    await tasks.update(working.taskId, { status: "input_required", inputRequests: { a: elicit("A?") }, inputResponses: {} });
    await expect(tasks.answer("k", working.taskId, { a: accept({ text: "x".repeat(TASK_ANSWERS_MAX_CHARS) }) })).rejects.toBeInstanceOf(RangeError);
    expect((await tasks.get("k", working.taskId))?.inputRequests).toEqual({ a: elicit("A?") });
  });
});

describe("task runner: a call that asks for input", () => {
  test("parks the task input_required with its questions, resumes with every answer and the state, round after round", async () => {
    const { tasks, runner } = setup();
    const asking = askingCall([
      { resultType: "input_required", inputRequests: { a: elicit("A?"), b: elicit("B?") }, requestState: "round-1" },
      { resultType: "input_required", inputRequests: { c: elicit("C?") } },
    ]);
    const started = await runner.start({ ownerKey: "k", callId: "i1", call: asking.call });
    if (!("task" in started)) throw new Error("expected a task");
    const { taskId } = started.task;
    await eventually("the first questions", async () => (await tasks.get("k", taskId))?.status === "input_required");
    expect((await tasks.get("k", taskId))?.inputRequests).toEqual({ a: elicit("A?"), b: elicit("B?") });
    expect(await runner.answer("someone-else", taskId, { a: accept({}) })).toBeNull();
    await runner.answer("k", taskId, { a: accept({ n: 1 }) });
    expect(await tasks.get("k", taskId)).toMatchObject({ status: "input_required", inputRequests: { b: elicit("B?") } });
    await runner.answer("k", taskId, { b: accept({ n: 2 }) });
    await eventually("the second round", async () => Object.hasOwn((await tasks.get("k", taskId))?.inputRequests ?? {}, "c"));
    await runner.answer("k", taskId, { c: accept({ n: 3 }) });
    await eventually("the completion", async () => (await tasks.get("k", taskId))?.status === "completed");
    expect(asking.inputs).toEqual([undefined, { inputResponses: { a: accept({ n: 1 }), b: accept({ n: 2 }) }, requestState: "round-1" }, { inputResponses: { c: accept({ n: 3 }) } }]);
    const task = await tasks.get("k", taskId);
    expect(task?.result).toEqual(done(JSON.stringify({ inputResponses: { c: accept({ n: 3 }) } })));
    expect(task).not.toHaveProperty("inputRequests");
  });

  test("answers taken by another replica are noticed by the watch", async () => {
    const { tasks, runner } = setup();
    const asking = askingCall([{ resultType: "input_required", inputRequests: { a: elicit("A?") } }]);
    const started = await runner.start({ ownerKey: "k", callId: "i2", call: asking.call });
    if (!("task" in started)) throw new Error("expected a task");
    await eventually("the question", async () => (await tasks.get("k", started.task.taskId))?.status === "input_required");
    // Straight into the shared record, as a replica that does not run the task would.
    await tasks.answer("k", started.task.taskId, { a: accept({}) });
    await eventually("the completion", async () => (await tasks.get("k", started.task.taskId))?.status === "completed");
  });

  test("a cancel while it waits ends the run and the task stays cancelled", async () => {
    const { tasks, runner } = setup();
    const asking = askingCall([{ resultType: "input_required", inputRequests: { a: elicit("A?") } }]);
    const started = await runner.start({ ownerKey: "k", callId: "i3", call: asking.call });
    if (!("task" in started)) throw new Error("expected a task");
    await eventually("the question", async () => (await tasks.get("k", started.task.taskId))?.status === "input_required");
    await runner.cancel("k", started.task.taskId);
    await eventually("the run to end", () => runner.runningCount() === 0);
    await runner.answer("k", started.task.taskId, { a: accept({}) });
    expect((await tasks.get("k", started.task.taskId))?.status).toBe("cancelled");
    expect(asking.inputs).toEqual([undefined]);
  });
});

describe("tasks/update", () => {
  const caller = (): TaskCaller => ({
    ownerKey: "user:alice",
    clientCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
    tasks: createTasks(createMemoryStore({ maxEntries: 100 }), { pollIntervalMs: 10 }),
  });

  test("takes the answers with a bare ack; answers that are not objects are -32602", async () => {
    const alice = caller();
    const started = await alice.tasks.runner.start({ ownerKey: "user:alice", callId: "u1", call: askingCall([{ resultType: "input_required", inputRequests: { a: elicit("A?") } }]).call });
    if (!("task" in started)) throw new Error("expected a task");
    const { taskId } = started.task;
    await eventually("the question", async () => (await alice.tasks.store.get("user:alice", taskId))?.status === "input_required");
    for (const inputResponses of [5, [], { a: "yes" }, { a: null }]) {
      const error = await TASK_METHODS["tasks/update"]({ taskId, inputResponses }, alice).catch((caught) => caught);
      expect(error).toBeInstanceOf(RpcError);
      expect((error as RpcError).code).toBe(-32602);
    }
    expect(await TASK_METHODS["tasks/update"]({ taskId, inputResponses: { a: accept({}) } }, alice)).toEqual({ resultType: "complete" });
    await eventually("the completion", async () => (await alice.tasks.store.get("user:alice", taskId))?.status === "completed");
  });
});
