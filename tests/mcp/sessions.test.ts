/**
 * The transport's session ownership, and the registry's streams over the memory backend driven
 * directly: replay, live delivery, log levels, ends. The bounds (cap, idle, event ages) are in
 * session-bounds.test.ts; the same contract over Redis in tests/store/redis-sessions.test.ts.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { principalKey } from "../../src/auth/principal.ts";
import { TOOL_SCOPES } from "../../src/auth/scopes.ts";
import { runToolCall } from "../../src/mcp/tool-calls.ts";
import { SessionRegistry } from "../../src/mcp/sessions.ts";
import { createMemorySessionBackend } from "../../src/mcp/session-store/memory.ts";
import { parseEventId } from "../../src/mcp/sse.ts";
import type { CallContext } from "../../src/mcp/call-context.ts";
import { createTransport, type Transport } from "../../src/mcp/transport.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";
import { clientHeaders, createTestApp, DEV_USERNAME, idleHostAccess, INITIALIZE_PARAMS, MCP_URL, readSseEvents, request } from "../helpers/app.ts";

const LIMITS = { maxSessionsPerPrincipal: 100, idleSeconds: 3600, maxEvents: 100, eventTtlSeconds: 3600 };
const memoryRegistry = (limits = LIMITS) => new SessionRegistry(createMemorySessionBackend(limits));

describe("a session belongs to the principal that opened it", () => {
  let transport: Transport;
  let owner: CallContext;
  let stranger: CallContext;

  beforeAll(async () => {
    const { services } = await createTestApp();
    const actor = await services.accounts.resolveActor(DEV_USERNAME);
    if ("refused" in actor) throw new Error(actor.refused);
    const runtime = { startedAtMs: Date.now(), store: "memory" as const, schedulerRunning: false, hostsOnline: () => 0, hostsConnectedHere: () => 0 };
    const principal = { actor, kind: "dev" as const, scopes: TOOL_SCOPES, toolScopesEnforced: false, clientId: null, key: principalKey(actor, TOOL_SCOPES) };
    owner = {
      principal,
      actor,
      scopes: TOOL_SCOPES,
      callId: "sessions-test",
      session: null,
      services,
      runtime,
      hosts: idleHostAccess(services),
      tools: ALL_TOOLS,
      catalog: ALL_TOOLS,
      runTool: runToolCall,
    };
    // Same user in another organization: a different principal.
    stranger = { ...owner, principal: { ...principal, key: `${actor.userId}:${crypto.randomUUID()}` } };
    transport = createTransport({ mode: "stateful", sessions: memoryRegistry() });
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
    expect((await transport.get(get, stranger)).status).toBe(404);
    const remove = new Request(MCP_URL, { method: "DELETE", headers: clientHeaders({ sessionId }) });
    expect((await transport.delete(remove, stranger)).status).toBe(404);
    // The stranger's DELETE did not end it.
    expect((await post(owner, request("ping"), sessionId)).status).toBe(200);
  });
});

describe("SSE streams", () => {
  test("Last-Event-ID resumption replays the events after the given id", async () => {
    const registry = memoryRegistry();
    const session = await registry.create("owner", "2025-11-25");
    const stream = await session.openStream();
    for (const n of [1, 2, 3]) await stream.send({ jsonrpc: "2.0", method: "notifications/message", params: { n } });

    const resume = parseEventId(`${stream.id}:1`);
    expect(resume).toEqual({ streamId: stream.id, seq: 1 });
    const events = await readSseEvents((await registry.connect(session.id, stream.id, { afterSeq: resume!.seq, isStandalone: false }))!, 3, 150);
    expect(events.map((event) => event.id)).toEqual([`${stream.id}:2`, `${stream.id}:3`]);
    expect(events.map((event) => (event.data as { params: { n: number } }).params.n)).toEqual([2, 3]);
  });

  test("a connected stream receives new events as they are sent", async () => {
    const registry = memoryRegistry();
    const session = await registry.create("owner", "2025-11-25");
    const stream = await session.openStream();
    const response = (await registry.connect(session.id, stream.id, { afterSeq: null, isStandalone: false }))!;
    expect(registry.isFollowedHere(stream.id)).toBe(true);
    await stream.send({ jsonrpc: "2.0", method: "a" });
    await stream.send({ jsonrpc: "2.0", method: "b" });
    const events = await readSseEvents(response, 2);
    expect(events).toEqual([
      { id: `${stream.id}:1`, data: { jsonrpc: "2.0", method: "a" } },
      { id: `${stream.id}:2`, data: { jsonrpc: "2.0", method: "b" } },
    ]);
    expect(registry.isFollowedHere(stream.id)).toBe(false); // the reader cancelled
  });

  test("a resumed stream that ended replays what is left and closes", async () => {
    const registry = memoryRegistry();
    const session = await registry.create("owner", "2025-11-25");
    const stream = await session.openStream();
    await stream.send({ jsonrpc: "2.0", id: 1, result: {} });
    await stream.end();
    const text = await new Response((await registry.connect(session.id, stream.id, { afterSeq: 0, isStandalone: false }))!.body).text();
    expect(text).toBe(`: stream open\n\nid: ${stream.id}:1\nevent: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n`);
  });

  test("a stream of another session, or one never opened, is not resumed", async () => {
    const registry = memoryRegistry();
    const mine = await registry.create("owner", "2025-11-25");
    const theirs = await registry.create("owner", "2025-11-25");
    const stream = await theirs.openStream();
    await stream.send({ jsonrpc: "2.0", method: "private" });
    expect(await registry.connect(mine.id, stream.id, { afterSeq: 0, isStandalone: false })).toBeNull();
    expect(await registry.connect(mine.id, crypto.randomUUID(), { afterSeq: 0, isStandalone: false })).toBeNull();
  });

  test("the replay log keeps at most maxEvents", async () => {
    const registry = memoryRegistry({ ...LIMITS, maxEvents: 2 });
    const session = await registry.create("owner", "2025-11-25");
    const stream = await session.openStream();
    for (const method of ["a", "b", "c"]) await stream.send({ jsonrpc: "2.0", method });
    const events = await readSseEvents((await registry.connect(session.id, stream.id, { afterSeq: 0, isStandalone: false }))!, 3, 150);
    expect(events.map((event) => event.id)).toEqual([`${stream.id}:2`, `${stream.id}:3`]);
  });

  test("a session or stream id that is not a UUID names nothing and is not looked up", async () => {
    const registry = memoryRegistry();
    const session = await registry.create("owner", "2025-11-25");
    for (const id of ["", "x".repeat(10_000), `${session.id} `, session.id.toUpperCase(), "../session"]) {
      expect(await registry.get(id)).toBeNull();
      expect(await registry.connect(session.id, id, { afterSeq: 0, isStandalone: false })).toBeNull();
    }
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
    const registry = memoryRegistry();
    const created = await registry.create("owner", "2025-11-25");
    const standalone = await created.standaloneStream();
    await created.setLogLevel("warning");
    // As a later request sees it: the record carries the level and the stream.
    const session = (await registry.get(created.id))!;
    expect(session.logLevel).toBe("warning");
    expect(session.standaloneStreamId).toBe(standalone.id);
    await session.notifyLog("info", "dropped");
    await session.notifyLog("error", "kept");
    const events = await readSseEvents((await registry.connect(session.id, standalone.id, { afterSeq: 0, isStandalone: true }))!, 2, 150);
    expect(events.map((event) => event.data)).toEqual([{ jsonrpc: "2.0", method: "notifications/message", params: { level: "error", logger: "superset", data: "kept" } }]);
  });

  test("deleting a session ends its open streams", async () => {
    const registry = memoryRegistry();
    const session = await registry.create("owner", "2025-11-25");
    const stream = await session.openStream();
    const response = (await registry.connect(session.id, stream.id, { afterSeq: null, isStandalone: false }))!;
    expect((await registry.get(session.id))?.id).toBe(session.id);
    expect(await registry.delete(session.id)).toBe(true);
    expect(await registry.get(session.id)).toBeNull();
    expect(await registry.delete(session.id)).toBe(false);
    // What was sent before the end is the opening comment only; then the stream is done.
    expect(await new Response(response.body).text()).toBe(": stream open\n\n");
  });

  test("cancel aborts the request of that session being answered, and nothing else", async () => {
    const registry = memoryRegistry();
    const session = await registry.create("owner", "2025-11-25");
    const other = await registry.create("owner", "2025-11-25");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const signals: AbortSignal[] = [];
    const answers = [session, other].map((s) => s.answering(7, async (signal) => (signals.push(signal), await held, signal.aborted)));
    await session.cancel(7, "user stopped it");
    await session.cancel("not-in-flight");
    release();
    expect(await Promise.all(answers)).toEqual([true, false]);
    expect(signals[0]!.reason).toBe("user stopped it");
  });
});
