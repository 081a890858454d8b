/** Streamable HTTP as a client sees it through `app.handle`: sessions, negotiation, refusals and SSE. */
import { beforeAll, describe, expect, test } from "bun:test";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { SERVER_INSTRUCTIONS } from "../../src/mcp/dispatch.ts";
import { VERSION } from "../../src/version.ts";
import { call, callTool, createTestApp, INITIALIZE_PARAMS, initialize, readSseEvents, request, rpc, send, type TestApp } from "../helpers/app.ts";

let t: TestApp;
let sessionId: string;

beforeAll(async () => {
  t = await createTestApp();
  sessionId = await initialize(t.app);
});

/** Asserts a refusal: the HTTP status and a JSON-RPC error body with `code`. */
async function expectRefusal(response: Response, status: number, code: number): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = (await response.json()) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
  expect(body.jsonrpc).toBe("2.0");
  expect(body.id).toBeNull();
  expect(body.error.code).toBe(code);
  return body.error.message;
}

describe("initialize", () => {
  test("opens a session and describes the server", async () => {
    const response = await rpc(t.app, request("initialize", INITIALIZE_PARAMS));
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toMatch(/^[0-9a-f-]{36}$/);
    const { result } = (await response.json()) as { result: Record<string, any> };
    expect(result.protocolVersion).toBe("2025-11-25");
    expect(result.serverInfo).toMatchObject({ name: "superset", version: VERSION });
    expect(result.capabilities).toEqual({ tools: { listChanged: true }, logging: {} });
    expect(result.instructions).toBe(SERVER_INSTRUCTIONS);
    expect(result.instructions).toContain("hosts_list");
    expect(result.instructions).toMatch(/confirm with the user/i);
  });

  test.each([
    ["2025-11-25", "2025-11-25"],
    ["2025-06-18", "2025-06-18"],
    ["2025-03-26", "2025-03-26"],
    ["1999-01-01", LATEST_PROTOCOL_VERSION],
  ])("protocol version %s is answered with %s", async (asked, answered) => {
    const response = await rpc(t.app, request("initialize", { ...INITIALIZE_PARAMS, protocolVersion: asked }));
    expect(((await response.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe(answered);
  });

  test("each initialize opens a different session", async () => {
    expect(await initialize(t.app)).not.toBe(await initialize(t.app));
  });

  test("initialize inside a session is refused", async () => {
    await expectRefusal(await rpc(t.app, request("initialize", INITIALIZE_PARAMS), { sessionId }), 400, -32600);
  });
});

describe("methods", () => {
  test("ping answers an empty object", async () => {
    expect((await call(t.app, "ping", undefined, sessionId)).result).toEqual({});
  });

  test("logging/setLevel takes a level of RFC 5424 and refuses anything else", async () => {
    expect((await call(t.app, "logging/setLevel", { level: "warning" }, sessionId)).result).toEqual({});
    const refused = await call(t.app, "logging/setLevel", { level: "loud" }, sessionId);
    expect(refused.error?.code).toBe(-32602);
    expect(refused.error?.message).toContain("debug, info, notice, warning, error, critical, alert, emergency");
  });

  test("an unknown method is -32601", async () => {
    const response = await call(t.app, "resources/shred", undefined, sessionId);
    expect(response.error).toMatchObject({ code: -32601 });
    expect(response.error!.message).toContain("resources/shred");
  });

  test("an unknown tool is -32602", async () => {
    const response = await callTool(t.app, "no_such_tool", {}, sessionId);
    expect(response.error?.code).toBe(-32602);
    expect(response.error?.message).toContain("tools/list");
  });
});

describe("malformed requests", () => {
  test("a body that is not JSON is 400 with -32700", async () => {
    await expectRefusal(await rpc(t.app, '{"jsonrpc": "2.0", "id": 1, "method": ', { sessionId }), 400, -32700);
  });

  test("a batch is 400 with -32600", async () => {
    await expectRefusal(await rpc(t.app, [request("ping"), request("ping")], { sessionId }), 400, -32600);
  });

  test.each([
    ["no jsonrpc member", { id: 1, method: "ping" }],
    ["jsonrpc 1.0", { jsonrpc: "1.0", id: 1, method: "ping" }],
    ["params that are an array", { jsonrpc: "2.0", id: 1, method: "ping", params: [1] }],
    ["an id that is an object", { jsonrpc: "2.0", id: { a: 1 }, method: "ping" }],
    ["neither method nor result", { jsonrpc: "2.0", id: 1 }],
    ["a JSON string", '"ping"'],
  ])("%s is 400 with -32600", async (_name, body) => {
    await expectRefusal(await rpc(t.app, body, { sessionId }), 400, -32600);
  });

  test("a Content-Type other than JSON is 415", async () => {
    const response = await rpc(t.app, request("ping"), { sessionId, headers: { "Content-Type": "text/plain" } });
    await expectRefusal(response, 415, -32600);
  });

  test("an Accept that allows neither JSON nor SSE is 406", async () => {
    await expectRefusal(await rpc(t.app, request("ping"), { sessionId, headers: { Accept: "image/png" } }), 406, -32600);
  });

  test("an unsupported MCP-Protocol-Version header is 400; a supported one is fine", async () => {
    const message = await expectRefusal(await rpc(t.app, request("ping"), { sessionId, headers: { "MCP-Protocol-Version": "2024-01-01" } }), 400, -32600);
    expect(message).toContain("2024-01-01");
    expect((await rpc(t.app, request("ping"), { sessionId, headers: { "MCP-Protocol-Version": "2025-06-18" } })).status).toBe(200);
  });
});

describe("sessions", () => {
  test("an unknown session id is 404", async () => {
    await expectRefusal(await rpc(t.app, request("ping"), { sessionId: crypto.randomUUID() }), 404, -32001);
  });

  test("a notification (and a client's response) is 202 with no body", async () => {
    for (const message of [
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } },
      { jsonrpc: "2.0", id: 9, result: {} },
    ]) {
      const response = await rpc(t.app, message, { sessionId });
      expect(response.status).toBe(202);
      expect(await response.text()).toBe("");
    }
  });

  test("a notification for an unknown session is 404", async () => {
    expect((await rpc(t.app, { jsonrpc: "2.0", method: "notifications/initialized" }, { sessionId: crypto.randomUUID() })).status).toBe(404);
  });

  test("DELETE ends the session, which is then unknown", async () => {
    const doomed = await initialize(t.app);
    expect((await send(t.app, "DELETE", { sessionId: doomed })).status).toBe(200);
    expect((await rpc(t.app, request("ping"), { sessionId: doomed })).status).toBe(404);
    expect((await send(t.app, "DELETE", { sessionId: doomed })).status).toBe(404);
  });

  test("DELETE without a session id is 400", async () => {
    await expectRefusal(await send(t.app, "DELETE"), 400, -32600);
  });

  test("a POST without a session id is answered statelessly", async () => {
    expect((await call(t.app, "ping", undefined, null)).result).toEqual({});
    const list = await call<{ tools: { name: string }[] }>(t.app, "tools/list", undefined, null);
    expect(list.result!.tools.map((tool) => tool.name)).toContain("tasks_list");
  });
});

describe("SSE", () => {
  test("GET opens the session's stream; a second concurrent GET is 409", async () => {
    const streamSession = await initialize(t.app);
    const first = await send(t.app, "GET", { sessionId: streamSession, headers: { Accept: "text/event-stream" } });
    try {
      expect(first.status).toBe(200);
      expect(first.headers.get("content-type")).toBe("text/event-stream");
      expect(first.headers.get("cache-control")).toContain("no-cache");
      const second = await send(t.app, "GET", { sessionId: streamSession, headers: { Accept: "text/event-stream" } });
      await expectRefusal(second, 409, -32600);
    } finally {
      await first.body?.cancel();
    }
  });

  test("GET of a stream needs a known session", async () => {
    const unknown = await send(t.app, "GET", { sessionId: crypto.randomUUID(), headers: { Accept: "text/event-stream" } });
    await expectRefusal(unknown, 404, -32001);
    await expectRefusal(await send(t.app, "GET", { headers: { Accept: "text/event-stream" } }), 400, -32600);
  });

  test("a request with a progressToken and Accept text/event-stream is answered as SSE", async () => {
    const message = request("tools/list", { _meta: { progressToken: "p-1" } });
    const response = await rpc(t.app, message, { sessionId });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = await readSseEvents(response, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.id).toMatch(/^.+:1$/);
    const answer = events[0]!.data as { id: number; result: { tools: unknown[] } };
    expect(answer.id).toBe(message.id);
    expect(answer.result.tools.length).toBeGreaterThan(0);
  });

  test("without text/event-stream in Accept the same request is answered as JSON", async () => {
    const response = await rpc(t.app, request("ping", { _meta: { progressToken: 1 } }), { sessionId, headers: { Accept: "application/json" } });
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(((await response.json()) as { result: unknown }).result).toEqual({});
  });

  test("a lost POST stream is resumed with Last-Event-ID: the answer is replayed and the stream ends", async () => {
    const message = request("ping", { _meta: { progressToken: "p-2" } });
    const [event] = await readSseEvents(await rpc(t.app, message, { sessionId }), 1);
    const streamId = event!.id!.replace(/:\d+$/, "");
    const resumed = await send(t.app, "GET", { sessionId, headers: { Accept: "text/event-stream", "Last-Event-ID": `${streamId}:0` } });
    expect(resumed.status).toBe(200);
    const started = Date.now();
    const replayed = await readSseEvents(resumed, 2, 1_000);
    expect(replayed).toEqual([{ id: `${streamId}:1`, data: { jsonrpc: "2.0", id: message.id, result: {} } }]);
    expect(Date.now() - started).toBeLessThan(900); // ended by the server, not by the reader's timeout
  });
});

describe("stateless mode", () => {
  let stateless: TestApp;
  beforeAll(async () => {
    stateless = await createTestApp({ MCP_SESSION_MODE: "stateless" });
  });

  test("initialize gives no Mcp-Session-Id", async () => {
    const response = await rpc(stateless.app, request("initialize", INITIALIZE_PARAMS));
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toBeNull();
    expect(((await response.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe("superset");
  });

  test("GET streams and DELETE are 405", async () => {
    await expectRefusal(await send(stateless.app, "GET", { headers: { Accept: "text/event-stream" } }), 405, -32600);
    await expectRefusal(await send(stateless.app, "DELETE", { sessionId: crypto.randomUUID() }), 405, -32600);
  });

  test("tools/call works without a session, and a stray session id is ignored", async () => {
    const created = await callTool(stateless.app, "tasks_create", { title: "Stateless task" }, null);
    expect(created.result?.isError).toBeUndefined();
    const listed = await callTool(stateless.app, "tasks_list", { search: "stateless" }, crypto.randomUUID());
    const items = (listed.result!.structuredContent as { result: { task: { title: string } }[] }).result;
    expect(items.map((item) => item.task.title)).toEqual(["Stateless task"]);
  });
});
