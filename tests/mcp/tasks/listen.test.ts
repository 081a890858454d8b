/**
 * notifications/tasks on subscriptions/listen (SEP-2663, optional): a listen stream naming its
 * owner's task hears that task's changes, the whole task each time; a stream of the task's owner
 * that did not name it, and ids of no task, get nothing. Over the fixture server's real HTTP.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readSseEvents } from "../../helpers/app.ts";
import { FIXTURE_RESULTS, startFixtureServer, type FixtureServer } from "../../helpers/fixture-server.ts";
import { extendWithTasks, TASK_FIXTURE_RESULTS } from "../../helpers/fixture-tasks.ts";
import { modernRequest, sendModern, WITH_TASKS } from "../../helpers/modern-client.ts";

let fixture: FixtureServer;
let baseUrl: string;

beforeAll(async () => {
  fixture = await startFixtureServer({ results: { ...FIXTURE_RESULTS, ...TASK_FIXTURE_RESULTS }, extend: extendWithTasks });
  baseUrl = fixture.url.replace(/\/mcp$/, "");
});
afterAll(async () => {
  await fixture?.stop();
});

function listen(taskIds: string[]): Promise<Response> {
  const { body, headers } = modernRequest("subscriptions/listen", { notifications: { taskIds } }, WITH_TASKS);
  return fetch(fixture.url, { method: "POST", headers, body: JSON.stringify(body) });
}

const startSlowTask = async () => (await sendModern({ baseUrl }, "tools/call", { name: "slow_compute", arguments: { seconds: 60, label: "listened" } }, WITH_TASKS)).body.result!.taskId as string;

describe("notifications/tasks", () => {
  test("a stream that named the task hears its cancellation with the whole task", async () => {
    const taskId = await startSlowTask();
    const stream = await listen([taskId, crypto.randomUUID()]);
    expect(stream.headers.get("content-type")).toStartWith("text/event-stream");
    const events = readSseEvents(stream, 2, 10_000);
    expect((await sendModern({ baseUrl }, "tasks/cancel", { taskId }, WITH_TASKS)).body.result?.resultType).toBe("complete");
    const [ack, change] = (await events).map((event) => event.data as { method: string; params: Record<string, any> });
    expect(ack).toMatchObject({ method: "notifications/subscriptions/acknowledged", params: { notifications: { taskIds: [taskId] } } });
    expect(change!.method).toBe("notifications/tasks");
    expect(change!.params).toMatchObject({ taskId, status: "cancelled", ttlMs: 86_400_000, _meta: { "io.modelcontextprotocol/subscriptionId": expect.anything() } });
  });

  test("a stream that named another task hears nothing of this one", async () => {
    const listened = await startSlowTask();
    const other = await startSlowTask();
    const stream = await listen([listened]);
    const events = readSseEvents(stream, 2, 10_000);
    await sendModern({ baseUrl }, "tasks/cancel", { taskId: other }, WITH_TASKS);
    await sendModern({ baseUrl }, "tasks/cancel", { taskId: listened }, WITH_TASKS);
    const changes = (await events).slice(1).map((event) => (event.data as { params: { taskId: string } }).params.taskId);
    expect(changes).toEqual([listened]);
  });
});
