/** The transport's session ownership, and SSE streams with their replay log, driven directly. */
import { beforeAll, describe, expect, test } from "bun:test";
import { principalKey } from "../../src/auth/principal.ts";
import { TOOL_SCOPES } from "../../src/auth/scopes.ts";
import { runToolCall } from "../../src/mcp/tool-calls.ts";
import { MAX_STREAMS_PER_SESSION, McpSession, SessionRegistry } from "../../src/mcp/sessions.ts";
import { parseEventId, SseStream } from "../../src/mcp/sse.ts";
import type { CallContext } from "../../src/mcp/call-context.ts";
import { createTransport, type Transport } from "../../src/mcp/transport.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";
import { clientHeaders, createTestApp, DEV_USERNAME, idleHostAccess, INITIALIZE_PARAMS, MCP_URL, readSseEvents, request } from "../helpers/app.ts";

const LIMITS = { maxEvents: 100, ttlSeconds: 3600 };

describe("a session belongs to the principal that opened it", () => {
  let transport: Transport;
  let owner: CallContext;
  let stranger: CallContext;

  beforeAll(async () => {
    const { services } = await createTestApp();
    const actor = await services.accounts.resolveActor(DEV_USERNAME);
    if ("refused" in actor) throw new Error(actor.refused);
    const runtime = { startedAtMs: Date.now(), store: "memory" as const, schedulerRunning: false, hostsOnline: () => 0 };
    const principal = { actor, kind: "dev" as const, scopes: TOOL_SCOPES, toolScopesEnforced: false, clientId: null, key: principalKey(actor, TOOL_SCOPES) };
    owner = { principal, actor, scopes: TOOL_SCOPES, callId: "sessions-test", session: null, services, runtime, hosts: idleHostAccess(services), tools: ALL_TOOLS, catalog: ALL_TOOLS, runTool: runToolCall };
    // Same user in another organization: a different principal.
    stranger = { ...owner, principal: { ...principal, key: `${actor.userId}:${crypto.randomUUID()}` } };
    transport = createTransport({ mode: "stateful", sessions: new SessionRegistry(LIMITS) });
  });

  const post = (caller: CallContext, body: unknown, sessionId?: string) =>
    transport.post(new Request(MCP_URL, { method: "POST", headers: clientHeaders({ sessionId }), body: JSON.stringify(body) }), caller);

  async function openSession(): Promise<string> {
    const response = await post(owner, request("initialize", INITIALIZE_PARAMS));
    return response.headers.get("mcp-session-id")!;
  }

  test("its owner may use it", async () => {
    const sessionId = await openSession();
    const response = await post(owner, request("ping"), sessionId);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { result: unknown }).result).toEqual({});
  });

  test("to another principal it does not exist: POST, GET and DELETE are 404", async () => {
    const sessionId = await openSession();
    expect((await post(stranger, request("ping"), sessionId)).status).toBe(404);
    const get = new Request(MCP_URL, { headers: clientHeaders({ sessionId, headers: { Accept: "text/event-stream" } }) });
    expect(transport.get(get, stranger).status).toBe(404);
    const remove = new Request(MCP_URL, { method: "DELETE", headers: clientHeaders({ sessionId }) });
    expect(transport.delete(remove, stranger).status).toBe(404);
    // The stranger's DELETE did not end it.
    expect((await post(owner, request("ping"), sessionId)).status).toBe(200);
  });
});

describe("SSE streams", () => {
  test("Last-Event-ID resumption replays the events after the given id", async () => {
    const session = new McpSession(crypto.randomUUID(), "owner", "2025-11-25", LIMITS);
    const stream = session.openStream();
    expect(session.streams.get(stream.id)).toBe(stream);
    for (const n of [1, 2, 3]) stream.send({ jsonrpc: "2.0", method: "notifications/message", params: { n } });

    const resume = parseEventId(`${stream.id}:1`);
    expect(resume).toEqual({ streamId: stream.id, seq: 1 });
    const events = await readSseEvents(stream.connect(resume!.seq), 3, 150);
    expect(events.map((event) => event.id)).toEqual([`${stream.id}:2`, `${stream.id}:3`]);
    expect(events.map((event) => (event.data as { params: { n: number } }).params.n)).toEqual([2, 3]);
  });

  test("a connected stream receives new events as they are sent", async () => {
    const stream = new SseStream("s", LIMITS);
    const response = stream.connect(null);
    expect(stream.isConnected).toBe(true);
    stream.send({ jsonrpc: "2.0", method: "a" });
    stream.send({ jsonrpc: "2.0", method: "b" });
    const events = await readSseEvents(response, 2);
    expect(events).toEqual([
      { id: "s:1", data: { jsonrpc: "2.0", method: "a" } },
      { id: "s:2", data: { jsonrpc: "2.0", method: "b" } },
    ]);
    expect(stream.isConnected).toBe(false); // the reader cancelled
  });

  test("the replay log keeps at most maxEvents", async () => {
    const stream = new SseStream("small", { maxEvents: 2, ttlSeconds: 3600 });
    for (const method of ["a", "b", "c"]) stream.send({ jsonrpc: "2.0", method });
    const events = await readSseEvents(stream.connect(0), 3, 150);
    expect(events.map((event) => event.id)).toEqual(["small:2", "small:3"]);
  });

  test("a malformed Last-Event-ID is ignored", () => {
    expect(parseEventId(null)).toBeNull();
    expect(parseEventId("no-sequence")).toBeNull();
    expect(parseEventId("abc:x")).toBeNull();
    expect(parseEventId("a:b:7")).toEqual({ streamId: "a:b", seq: 7 });
  });
});

describe("sessions", () => {
  test("log notifications reach the standalone stream at or above the session's level", async () => {
    const session = new McpSession("s1", "owner", "2025-11-25", LIMITS);
    session.standalone = session.openStream();
    session.logLevel = "warning";
    session.notifyLog("info", "dropped");
    session.notifyLog("error", "kept");
    const events = await readSseEvents(session.standalone.connect(0), 2, 150);
    expect(events.map((event) => event.data)).toEqual([
      { jsonrpc: "2.0", method: "notifications/message", params: { level: "error", logger: "superset", data: "kept" } },
    ]);
  });

  test("deleting a session ends its open streams", async () => {
    const registry = new SessionRegistry(LIMITS);
    const session = registry.create("owner", "2025-11-25");
    const response = session.openStream().connect(null);
    expect(registry.get(session.id)).toBe(session);
    expect(registry.delete(session.id)).toBe(true);
    expect(registry.get(session.id)).toBeUndefined();
    // What was sent before the end is the opening comment only; then the stream is done.
    expect(await new Response(response.body).text()).toBe(": stream open\n\n");
  });
});

describe("finished POST streams", () => {
  test("a session keeps at most MAX_STREAMS_PER_SESSION of them, dropping the oldest finished ones", () => {
    const session = new McpSession("s", "owner", "2025-11-25", { maxEvents: 10, ttlSeconds: 60 });
    const first = session.openStream();
    first.send({ jsonrpc: "2.0", id: 1, result: {} });
    first.end();
    for (let i = 0; i < MAX_STREAMS_PER_SESSION + 5; i++) session.openStream().end();
    expect(session.streams.size).toBe(MAX_STREAMS_PER_SESSION);
    expect(session.streams.has(first.id)).toBe(false);
  });
});
