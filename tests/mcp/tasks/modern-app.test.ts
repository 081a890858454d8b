/**
 * Tasks and confirmations through app.handle with 2026-07-28 requests: discover advertises the
 * extension, the tasks methods are gated with HTTP 400 -32021, destructive tools ask a client that
 * can elicit and act only on the confirmed retry, and legacy sessions are unchanged.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestApp, DEV_USERNAME, initialize, toolResult, type TestApp } from "../../helpers/app.ts";
import { actorFor } from "../../helpers/fixtures.ts";
import { sendModern, TASKS_EXTENSION, WITH_TASKS } from "../../helpers/modern-client.ts";

let t: TestApp;
const ELICIT = { elicitation: {} };
const send = (method: string, params: Record<string, unknown>, capabilities: Record<string, unknown> = {}) => sendModern({ app: t.app }, method, params, capabilities);

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.db.close();
});

async function newTask(title: string): Promise<string> {
  return (await t.services.tasks.create(await actorFor(t.services, DEV_USERNAME), { title })).id;
}
const taskExists = async (id: string) => (await t.services.tasks.get(await actorFor(t.services, DEV_USERNAME), id)) !== null;

describe("the tasks extension on the modern endpoint", () => {
  test("server/discover advertises it", async () => {
    const { body } = await send("server/discover", {});
    expect(body.result?.capabilities.extensions).toEqual({ [TASKS_EXTENSION]: {} });
  });

  test("tasks/get, tasks/update, tasks/cancel without it: 400, -32021 naming it", async () => {
    for (const [method, params] of [
      ["tasks/get", { taskId: "gate-test" }],
      ["tasks/update", { taskId: "gate-test", inputResponses: {} }],
      ["tasks/cancel", { taskId: "gate-test" }],
    ] as const) {
      const answer = await send(method, params, ELICIT);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } } });
    }
  });

  test("with it, an unknown id is -32602 in-band and removed v1 methods are 404", async () => {
    const unknown = await send("tasks/get", { taskId: crypto.randomUUID() }, WITH_TASKS);
    expect(unknown.status).toBe(200);
    expect(unknown.body.error?.code).toBe(-32602);
    for (const method of ["tasks/result", "tasks/list"]) expect((await send(method, { taskId: "x" }, WITH_TASKS)).status).toBe(404);
  });

  test("a tool without task behaviour answers synchronously even with the extension and a legacy task param", async () => {
    const answer = await send("tools/call", { name: "tasks_statuses_list", arguments: {}, task: { ttl: 1000 } }, WITH_TASKS);
    expect(answer.body.result).toMatchObject({ resultType: "complete", content: [{ type: "text" }] });
    expect(answer.body.result).not.toHaveProperty("taskId");
  });
});

describe("confirmation of destructive tools", () => {
  test("with elicitation: asked first, nothing done; the accepted retry with the state deletes", async () => {
    const id = await newTask("to be deleted");
    const first = await send("tools/call", { name: "tasks_delete", arguments: { id } }, ELICIT);
    expect(first.status).toBe(200);
    const asked = first.body.result!;
    // Read before toMatchObject: Bun's toMatchObject writes its asymmetric matchers into the object it checks.
    const requestState = asked.requestState as string;
    expect(asked).toMatchObject({
      resultType: "input_required",
      inputRequests: { confirm: { method: "elicitation/create", params: { message: expect.stringContaining(id) } } },
      requestState: expect.any(String),
    });
    expect(asked).not.toHaveProperty("ttlMs");
    expect(await taskExists(id)).toBe(true);

    const again = await send("tools/call", { name: "tasks_delete", arguments: { id }, requestState }, ELICIT);
    expect(again.body.result?.resultType).toBe("input_required");
    expect(await taskExists(id)).toBe(true);

    const confirmed = await send("tools/call", { name: "tasks_delete", arguments: { id }, requestState, inputResponses: { confirm: { action: "accept", content: { confirm: true } } } }, ELICIT);
    expect(confirmed.body.result).toMatchObject({ resultType: "complete", structuredContent: { deleted: true, id } });
    expect(await taskExists(id)).toBe(false);
  });

  test("a declined answer does nothing and says so", async () => {
    const id = await newTask("kept");
    const asked = (await send("tools/call", { name: "tasks_delete", arguments: { id } }, ELICIT)).body.result!;
    const declined = await send("tools/call", { name: "tasks_delete", arguments: { id }, requestState: asked.requestState, inputResponses: { confirm: { action: "decline" } } }, ELICIT);
    expect(declined.body.result).toMatchObject({ resultType: "complete", isError: true, content: [{ text: expect.stringContaining("Nothing was done") }] });
    expect(await taskExists(id)).toBe(true);
  });

  test("a tampered state, or one for other arguments, is -32602 and nothing is done", async () => {
    const id = await newTask("guarded");
    const other = await newTask("other");
    const asked = (await send("tools/call", { name: "tasks_delete", arguments: { id } }, ELICIT)).body.result!;
    const accept = { confirm: { action: "accept", content: { confirm: true } } };
    const tampered = await send("tools/call", { name: "tasks_delete", arguments: { id }, requestState: `${asked.requestState}-TAMPERED`, inputResponses: accept }, ELICIT);
    expect(tampered.body.error?.code).toBe(-32602);
    const swapped = await send("tools/call", { name: "tasks_delete", arguments: { id: other }, requestState: asked.requestState, inputResponses: accept }, ELICIT);
    expect(swapped.body.error?.code).toBe(-32602);
    expect(await taskExists(id)).toBe(true);
    expect(await taskExists(other)).toBe(true);
  });

  test("without elicitation, and on a legacy session, the tool acts at once", async () => {
    const modernId = await newTask("modern plain");
    const plain = await send("tools/call", { name: "tasks_delete", arguments: { id: modernId } }, { sampling: {} });
    expect(plain.body.result).toMatchObject({ resultType: "complete", structuredContent: { deleted: true } });
    const legacyId = await newTask("legacy");
    const session = await initialize(t.app, { protocolVersion: "2025-11-25", capabilities: { elicitation: {} }, clientInfo: { name: "legacy", version: "1" } });
    expect((await toolResult(t.app, "tasks_delete", { id: legacyId }, session)).structuredContent).toEqual({ deleted: true, id: legacyId });
  });

  test("tools/list is never input_required", async () => {
    expect((await send("tools/list", {}, ELICIT)).body.result?.resultType).toBe("complete");
  });
});
