/**
 * The 2026-07-28 era on our transport, over the fixture app's real socket: which era a POST is,
 * the order of refusals, own-property method lookup, Mcp-Param base64, and a client closing its
 * modern stream aborting the call's signal.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.ts";

const META = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };

let fixture: FixtureServer;
let aborted: (reason: unknown) => void;
const abortSeen = new Promise<unknown>((resolve) => (aborted = resolve));

beforeAll(async () => {
  fixture = await startFixtureServer({
    results: {
      // Reports progress once (which opens the stream), then waits for its signal: only an abort ends it.
      test_wait_for_abort: (_args, context) =>
        new Promise((resolve) => {
          context.progress?.(1);
          context.signal?.addEventListener("abort", () => {
            aborted(context.signal?.reason);
            resolve({ content: [{ type: "text", text: "aborted" }] });
          });
        }),
    },
  });
});

afterAll(async () => {
  await fixture?.stop();
});

function post(body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(fixture.url, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify(body), signal });
}
const modernHeaders = (method: string, extra: Record<string, string> = {}) => ({ "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method, ...extra });

describe("modern era routing and refusals", () => {
  test("the 2026 header without a claim is modern and refused for the missing envelope, with the request id", async () => {
    const response = await post({ jsonrpc: "2.0", id: 7, method: "tools/list" }, modernHeaders("tools/list"));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ id: 7, error: { code: -32602 } });
  });

  test("a request without claim or 2026 header stays legacy: initialize opens a 2025 session as before", async () => {
    const response = await post(
      { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } },
      { "MCP-Protocol-Version": "2025-11-25" },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toBeTruthy();
  });

  test("a claimed 2025 version is -32022 with the supported list; a header differing from the claim is -32020 first", async () => {
    const claim2025 = await post(
      { jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: { ...META, "io.modelcontextprotocol/protocolVersion": "2025-11-25" } } },
      modernHeaders("tools/list", { "MCP-Protocol-Version": "2025-11-25" }),
    );
    expect(claim2025.status).toBe(400);
    expect(await claim2025.json()).toMatchObject({ id: 2, error: { code: -32022, data: { supported: ["2026-07-28"], requested: "2025-11-25" } } });
    const differing = await post({ jsonrpc: "2.0", id: 3, method: "tools/list", params: { _meta: { ...META, "io.modelcontextprotocol/protocolVersion": "2025-11-25" } } }, modernHeaders("tools/list"));
    expect(await differing.json()).toMatchObject({ id: 3, error: { code: -32020 } });
  });

  test("prototype names are unknown methods: 404 -32601", async () => {
    for (const method of ["__proto__", "constructor", "toString", "ping", "initialize"]) {
      const response = await post({ jsonrpc: "2.0", id: 4, method, params: { _meta: META } }, modernHeaders(method));
      expect(response.status, method).toBe(404);
      expect(await response.json()).toMatchObject({ id: 4, error: { code: -32601 } });
    }
  });

  test("modern notifications are accepted and dropped", async () => {
    const response = await post({ jsonrpc: "2.0", method: "notifications/cancelled", params: { _meta: META, requestId: 1 } }, modernHeaders("notifications/cancelled"));
    expect(response.status).toBe(202);
  });

  test("taskIds on subscriptions/listen without the tasks extension: 400 -32021 naming it", async () => {
    const response = await post({ jsonrpc: "2.0", id: 5, method: "subscriptions/listen", params: { _meta: META, notifications: { taskIds: ["a"] } } }, modernHeaders("subscriptions/listen"));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ id: 5, error: { code: -32021, data: { requiredCapabilities: { extensions: { "io.modelcontextprotocol/tasks": {} } } } } });
  });
});

describe("modern streams", () => {
  test("a client closing its modern stream aborts the call's signal", async () => {
    const client = new AbortController();
    const response = await post(
      { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "test_wait_for_abort", arguments: {}, _meta: { ...META, progressToken: "p" } } },
      modernHeaders("tools/call", { "Mcp-Name": "test_wait_for_abort" }),
      client.signal,
    );
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = response.body!.getReader();
    let text = "";
    // Read until the progress event arrived: the call is now running and waiting on its signal.
    while (!text.includes("notifications/progress")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).not.toContain("id:");
    client.abort();
    expect(await abortSeen).toBeDefined();
  });
});
