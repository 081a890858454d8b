/** Task records over the memory Store: owner checks, expiry from creation, finished tasks frozen. */
import { describe, expect, test } from "bun:test";
import { createMemoryStore } from "../../../src/store/memory.ts";
import { createTaskStore, TASK_TTL_MS } from "../../../src/mcp/tasks/task-store.ts";

function setup() {
  let nowMs = Date.parse("2026-07-28T10:00:00.000Z");
  const now = () => nowMs;
  const store = createMemoryStore({ maxEntries: 100, now });
  return { store, tasks: createTaskStore({ store, now }), advance: (ms: number) => void (nowMs += ms) };
}

describe("task store", () => {
  test("create stores a working task under task:<uuid> with its owner, and get gives it only to that owner", async () => {
    const { store, tasks } = setup();
    const task = await tasks.create("user:alice", "Cloning");
    expect(task).toEqual({
      taskId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: "working",
      statusMessage: "Cloning",
      createdAt: "2026-07-28T10:00:00.000Z",
      lastUpdatedAt: "2026-07-28T10:00:00.000Z",
      ttlMs: TASK_TTL_MS,
      pollIntervalMs: 1000,
    });
    expect(JSON.parse((await store.get(`task:${task.taskId}`))!).ownerKey).toBe("user:alice");
    expect(await tasks.get("user:alice", task.taskId)).toEqual(task);
    expect(await tasks.get("user:bob", task.taskId)).toBeNull();
    expect(await tasks.get("user:alice", crypto.randomUUID())).toBeNull();
    for (const bad of ["tasks-conformance-isolation-probe", 42, undefined, `${task.taskId} `]) expect(await tasks.get("user:alice", bad)).toBeNull();
  });

  test("two tasks get different ids", async () => {
    const { tasks } = setup();
    const [a, b] = await Promise.all([tasks.create("k"), tasks.create("k")]);
    expect(a!.taskId).not.toBe(b!.taskId);
  });

  test("a task lives its ttlMs from creation, however often it is updated, and is gone after", async () => {
    const { tasks, advance } = setup();
    const task = await tasks.create("k");
    advance(TASK_TTL_MS - 60_000);
    await tasks.update(task.taskId, { statusMessage: "still at it" });
    advance(59_000);
    expect((await tasks.get("k", task.taskId))?.statusMessage).toBe("still at it");
    advance(1_000);
    expect(await tasks.get("k", task.taskId)).toBeNull();
    expect(await tasks.update(task.taskId, { status: "completed" })).toBeNull();
  });

  test("updates move lastUpdatedAt; a finished task never changes again", async () => {
    const { tasks, advance } = setup();
    const task = await tasks.create("k");
    advance(5_000);
    const cancelled = await tasks.update(task.taskId, { status: "cancelled" });
    expect(cancelled).toMatchObject({ status: "cancelled", lastUpdatedAt: "2026-07-28T10:00:05.000Z" });
    advance(5_000);
    const late = await tasks.update(task.taskId, { status: "completed", result: { content: [{ type: "text", text: "done" }] } });
    expect(late).toEqual(cancelled);
    expect(await tasks.get("k", task.taskId)).toEqual(cancelled!);
  });

  test("a status message is bounded", async () => {
    const { tasks } = setup();
    const task = await tasks.create("k", "x".repeat(10_000));
    expect(task.statusMessage).toHaveLength(500);
    expect((await tasks.update(task.taskId, { statusMessage: "y".repeat(10_000) }))?.statusMessage).toHaveLength(500);
  });
});
