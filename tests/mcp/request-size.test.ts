/**
 * MCP_MAX_REQUEST_BYTES at the HTTP edge: a body declared or streamed past the cap is answered 413
 * with a JSON-RPC error before it is read further, a body under it is dispatched as usual, and on
 * a listening server Bun's own cap (bodySizeBackstop) stands far behind the JSON answer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bodySizeBackstop } from "../../src/server/start.ts";
import { createTestApp, initialize, MCP_URL, clientHeaders, request, type TestApp } from "../helpers/app.ts";

const CAP = 65_536;

/** A body of `bytes` bytes sent as a stream of 16 KiB chunks, with no Content-Length. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const size = Math.min(16_384, bytes - sent);
      sent += size;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
}

async function expectTooLarge(response: Response): Promise<void> {
  expect(response.status).toBe(413);
  expect(response.headers.get("content-type")).toBe("application/json");
  const body = (await response.json()) as { jsonrpc: string; id: null; error: { code: number; message: string } };
  expect(body).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32600, message: `Payload Too Large: the body is over ${CAP} bytes (MCP_MAX_REQUEST_BYTES); send smaller arguments.` } });
}

let t: TestApp;
let sessionId: string;

beforeAll(async () => {
  t = await createTestApp({ MCP_MAX_REQUEST_BYTES: CAP });
  sessionId = await initialize(t.app);
});

describe("through app.handle", () => {
  test("a declared Content-Length past the cap is refused with a JSON-RPC 413", async () => {
    const response = await t.app.handle(new Request(MCP_URL, { method: "POST", headers: { ...clientHeaders({ sessionId }), "Content-Length": String(CAP + 1) }, body: chunked(CAP + 1) }));
    await expectTooLarge(response);
  });

  test("a streamed body with no length is cut at the cap and refused the same way", async () => {
    const response = await t.app.handle(new Request(MCP_URL, { method: "POST", headers: clientHeaders({ sessionId }), body: chunked(10 * CAP), duplex: "half" } as RequestInit));
    await expectTooLarge(response);
  });

  test("a body under the cap is dispatched: an over-long argument is the tool's own refusal", async () => {
    const message = request("tools/call", { name: "tasks_create", arguments: { title: "x".repeat(CAP / 2) } });
    const response = await t.app.handle(new Request(MCP_URL, { method: "POST", headers: clientHeaders({ sessionId }), body: JSON.stringify(message) }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { isError: boolean; content: { text: string }[] } };
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0]!.text).toBe("Invalid arguments for tasks_create: title: must be at most 500 characters.");
  });
});

describe("on a listening server with Bun's backstop", () => {
  let url: string;
  beforeAll(() => {
    t.app.listen({ hostname: "127.0.0.1", port: 0, maxRequestBodySize: bodySizeBackstop(t.config) });
    url = `http://127.0.0.1:${t.app.server!.port}/mcp`;
  });
  afterAll(() => t.app.stop(true));

  const post = (body: BodyInit, headers: Record<string, string> = {}) => fetch(url, { method: "POST", headers: { ...clientHeaders({ sessionId }), Host: "127.0.0.1", ...headers }, body });

  test("a body past MCP_MAX_REQUEST_BYTES but under the backstop gets the JSON-RPC 413", async () => {
    await expectTooLarge(await post(new Uint8Array(4 * CAP).fill(0x20)));
  });

  test("a body past the backstop is refused by Bun itself, and the server answers on", async () => {
    const response = await post(new Uint8Array(bodySizeBackstop(t.config) + 1).fill(0x20));
    expect(response.status).toBe(413);
    const ping = await post(JSON.stringify(request("ping")));
    expect(ping.status).toBe(200);
  });
});
