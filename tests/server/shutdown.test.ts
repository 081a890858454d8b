/**
 * The parts of the graceful stop one at a time: the gate that answers 503 once the drain has
 * begun, the GET streams that end on it, and the drain itself over a real Bun listener — the
 * hub outlives the requests in flight (a tool call may wait for a host), and what is still open
 * at the deadline is cut and counted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createShutdownSwitch, drain, type DrainParts } from "../../src/server/shutdown.ts";
import { createTestApp, initialize, rpc, request, send, type TestApp } from "../helpers/app.ts";
import { holdRequest } from "../helpers/held-requests.ts";

describe("once the drain has begun", () => {
  const shutdown = createShutdownSwitch();
  let t: TestApp;
  let sessionId: string;

  beforeAll(async () => {
    t = await createTestApp({}, { shutdown });
    sessionId = await initialize(t.app);
  });

  afterAll(async () => {
    await t?.db.close();
  });

  test("the session's open GET stream ends with an orderly end of its body", async () => {
    const stream = await send(t.app, "GET", { sessionId, headers: { Accept: "text/event-stream" } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toStartWith(": stream open");
    shutdown.begin();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  test("every new request gets 503 with a JSON-RPC error and Connection: close", async () => {
    expect(shutdown.isDraining).toBe(true);
    const answers = [
      await rpc(t.app, request("tools/list"), { sessionId }),
      await send(t.app, "GET", { url: "http://127.0.0.1:5008/health" }),
      await send(t.app, "GET", { url: "http://127.0.0.1:5008/hosts/connect", headers: { Authorization: "Bearer sk_host_x", Upgrade: "websocket" } }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get("connection")).toBe("close");
      expect(await answer.json()).toEqual({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32000, message: "Service Unavailable: this server is shutting down; send the request again on a new connection." },
      });
    }
  });

  test("a listener added after the drain began runs at once", () => {
    let heard = false;
    shutdown.onDrain(() => (heard = true));
    expect(heard).toBe(true);
  });
});

/** A real listener whose handler reads the whole body, and drain parts that record the order they stop in. */
function drainFixture(timeoutSeconds: number) {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (req) => new Response(`read ${(await req.text()).length}`) });
  const port = server.port!;
  const order: string[] = [];
  const parts: DrainParts = {
    server,
    shutdown: createShutdownSwitch(),
    scheduler: { stop: async () => void order.push("scheduler") },
    hub: { stop: () => void order.push("hub") },
    db: { close: async () => void order.push("db") },
    timeoutSeconds,
  };
  return { port, order, parts };
}

describe("drain", () => {
  test("keeps the hub up until the request in flight is answered, then stops it and closes the database", async () => {
    const { port, order, parts } = drainFixture(30);
    const held = holdRequest(port, { path: "/", headers: { Host: "127.0.0.1" }, body: "0123456789" });
    await held.accepted;
    const drained = drain(parts);
    expect(parts.shutdown.isDraining).toBe(true);
    // The scheduler stops at once; the hub waits for the request.
    expect(order).toEqual(["scheduler"]);
    held.finish();
    expect((await held.answers(1))[0]).toMatchObject({ status: 200, body: "read 10" });
    expect(await drained).toEqual({ timedOut: false, cut: 0 });
    expect(order).toEqual(["scheduler", "hub", "db"]);
  });

  test("cuts what is still open at the deadline and says how many", async () => {
    const { port, order, parts } = drainFixture(1);
    const held = holdRequest(port, { path: "/", headers: { Host: "127.0.0.1" }, body: "0123456789" });
    await held.accepted;
    expect(await drain(parts)).toEqual({ timedOut: true, cut: 1 });
    await expect(held.answers(1)).rejects.toThrow("closed after 0 of 1 answers");
    expect(order).toEqual(["scheduler", "hub", "db"]);
  });

  test("a scheduler that never stops still ends in the deadline, as a timed-out drain", async () => {
    const { order, parts } = drainFixture(1);
    parts.scheduler = { stop: () => new Promise<void>(() => {}) };
    expect(await drain(parts)).toEqual({ timedOut: true, cut: 0 });
    expect(order).toEqual(["hub", "db"]);
  });
});
