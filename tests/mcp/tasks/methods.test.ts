/** tasks/get, tasks/update, tasks/cancel: the extension gate, the owner check and the result shapes. */
import { describe, expect, test } from "bun:test";
import { createMemoryStore } from "../../../src/store/memory.ts";
import { RpcError } from "../../../src/mcp/jsonrpc.ts";
import { createTasks, TASK_METHODS, TASKS_EXTENSION, type TaskCaller } from "../../../src/mcp/tasks/methods.ts";
import { callAsTask, runsAsTask, taskCreatedResult } from "../../../src/mcp/tasks/task-call.ts";
import { ALL_TOOLS } from "../../../src/tools/index.ts";
import type { ToolCall } from "../../../src/mcp/tool-calls.ts";
import type { ToolContext } from "../../../src/tools/types.ts";
import { eventually } from "../../helpers/eventually.ts";

const declared = { extensions: { [TASKS_EXTENSION]: {} } };

async function rpcError(run: () => Promise<unknown>): Promise<RpcError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error("expected an RpcError");
}

function setup() {
  const tasks = createTasks(createMemoryStore({ maxEntries: 100 }), { pollIntervalMs: 10 });
  const alice: TaskCaller = { ownerKey: "user:alice", clientCapabilities: declared, tasks };
  return { tasks, alice, bob: { ...alice, ownerKey: "user:bob" } };
}

describe("tasks methods", () => {
  test("without the extension each is -32021 naming it in requiredCapabilities", async () => {
    const { alice } = setup();
    for (const method of ["tasks/get", "tasks/update", "tasks/cancel"] as const) {
      const error = await rpcError(() => TASK_METHODS[method]({ taskId: "gate-test" }, { ...alice, clientCapabilities: { elicitation: {} } }));
      expect(error.code).toBe(-32021);
      expect(error.data).toEqual({ requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
    }
  });

  test("an unknown, malformed or another principal's id is the same -32602", async () => {
    const { tasks, alice, bob } = setup();
    const task = await tasks.store.create("user:alice");
    for (const method of ["tasks/get", "tasks/update", "tasks/cancel"] as const) {
      for (const [caller, taskId] of [
        [bob, task.taskId],
        [alice, crypto.randomUUID()],
        [alice, "tasks-conformance-isolation-probe"],
        [alice, undefined],
      ] as const) {
        expect((await rpcError(() => TASK_METHODS[method]({ taskId }, caller))).code).toBe(-32602);
      }
    }
    expect((await tasks.store.get("user:alice", task.taskId))?.status).toBe("working");
  });

  test("tasks/get is the task flat with resultType complete; update and cancel ack with resultType only, cancel idempotent", async () => {
    const { tasks, alice } = setup();
    const task = await tasks.store.create("user:alice");
    expect(await TASK_METHODS["tasks/get"]({ taskId: task.taskId }, alice)).toEqual({ resultType: "complete", ...task });
    expect(await TASK_METHODS["tasks/update"]({ taskId: task.taskId, inputResponses: {} }, alice)).toEqual({ resultType: "complete" });
    expect((await rpcError(() => TASK_METHODS["tasks/update"]({ taskId: task.taskId, inputResponses: 5 }, alice))).code).toBe(-32602);
    expect(await TASK_METHODS["tasks/cancel"]({ taskId: task.taskId }, alice)).toEqual({ resultType: "complete" });
    expect(await TASK_METHODS["tasks/cancel"]({ taskId: task.taskId }, alice)).toEqual({ resultType: "complete" });
    expect(await TASK_METHODS["tasks/get"]({ taskId: task.taskId }, alice)).toMatchObject({ resultType: "complete", status: "cancelled" });
  });
});

describe("tools/call as a task", () => {
  const tool = (name: string) => ALL_TOOLS.find((candidate) => candidate.name === name)!;
  const context = { callId: "c1" } as ToolContext;
  const call = (name: string, args: unknown): ToolCall => ({ tool: tool(name), arguments: args, context });
  const hostId = "0b4c5a62-8a8e-4a7e-9a39-4c3f0e5d1a10";

  test("only task tools, only with the extension, only for the arguments the tool picks", () => {
    expect(runsAsTask(call("projects_create", { hostId, gitUrl: "file:///r.git" }), declared)).toBe(true);
    expect(runsAsTask(call("projects_create", { hostId, localPath: "/srv/r" }), declared)).toBe(false);
    expect(runsAsTask(call("projects_create", { hostId, gitUrl: "file:///r.git" }), { elicitation: {} })).toBe(false);
    expect(runsAsTask(call("projects_create", { hostId, gitUrl: "file:///r.git", unknown: 1 }), declared)).toBe(false);
    expect(runsAsTask(call("workspaces_create", { hostId, name: "w" }), declared)).toBe(true);
    expect(runsAsTask(call("tasks_list", {}), declared)).toBe(false);
    expect(ALL_TOOLS.filter((candidate) => candidate.task).map((candidate) => candidate.name)).toEqual(["workspaces_create", "projects_create"]);
  });

  test("the creation result is flat, working, without result or error; progress and signal are the task's own", async () => {
    const { alice, tasks } = setup();
    const held = Promise.withResolvers<void>();
    let given: ToolContext | undefined;
    const created = await callAsTask(
      call("projects_create", { hostId, gitUrl: "file:///r.git" }),
      async ({ context: taskContext }) => {
        given = taskContext;
        await held.promise;
        return { content: [{ type: "text", text: "{}" }], structuredContent: {} };
      },
      alice,
      new AbortController().signal,
    );
    expect(created).toMatchObject({ resultType: "task", status: "working", ttlMs: 86_400_000, pollIntervalMs: 10 });
    expect(created).not.toHaveProperty("result");
    expect(created).not.toHaveProperty("requestState");
    const taskId = (created as ReturnType<typeof taskCreatedResult>).taskId;
    given!.progress!(5, 10, "Receiving objects");
    await eventually("the status message", async () => (await tasks.store.get("user:alice", taskId))?.statusMessage === "Receiving objects");
    held.resolve();
    await eventually("completion", async () => (await tasks.store.get("user:alice", taskId))?.status === "completed");
    expect(given!.callId).toBe("c1");
  });
});
