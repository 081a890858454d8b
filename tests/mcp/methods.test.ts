/**
 * What a request names is looked up on the server's own tables only: JSON-RPC methods named like
 * Object.prototype members are -32601 in both eras (never a 200 from `constructor`, never an
 * internal error), and HTTP methods other than GET, POST and DELETE on the MCP paths are 405
 * with `Allow` and a JSON-RPC body, whether or not the request carries a credential.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { MCP_PATHS } from "../../src/mcp/paths.ts";
import { call, createTestApp, initialize, send, type TestApp } from "../helpers/app.ts";
import { sendModern } from "../helpers/modern-client.ts";
import { AUTH_ON } from "../web/setup.ts";

const PROTOTYPE_NAMES = ["hasOwnProperty", "valueOf", "constructor", "toString", "__proto__", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "__defineGetter__", "__lookupSetter__"];

let t: TestApp;
let authOn: TestApp;
let sessionId: string;

beforeAll(async () => {
  t = await createTestApp();
  authOn = await createTestApp(AUTH_ON);
  sessionId = await initialize(t.app);
});

describe("JSON-RPC methods", () => {
  test.each(PROTOTYPE_NAMES)("%s is Method not found in a 2025-11-25 session", async (method) => {
    const response = await call(t.app, method, {}, sessionId);
    expect(response.error).toEqual({ code: -32601, message: `Method not found: ${method}.` });
  });

  test.each(PROTOTYPE_NAMES)("%s is Method not found in the 2026-07-28 era", async (method) => {
    const answer = await sendModern({ app: t.app }, method, {});
    expect(answer.status).toBe(404);
    expect(answer.body.error).toEqual({ code: -32601, message: `Method not found: ${method} (MCP 2026-07-28).` });
  });

  test("an unknown method is repeated only as a short excerpt", async () => {
    const response = await call(t.app, "x".repeat(100_000), {}, sessionId);
    expect(response.error!.code).toBe(-32601);
    expect(response.error!.message.length).toBeLessThan(200);
  });

  test("a prototype name as a tool name is an unknown tool", async () => {
    const response = await call(t.app, "tools/call", { name: "constructor", arguments: {} }, sessionId);
    expect(response.error).toEqual({ code: -32602, message: "Unknown tool: constructor. Call tools/list for the tools you may use." });
  });
});

describe("HTTP methods", () => {
  for (const [name, app] of [
    ["dev mode", () => t.app],
    ["auth on, no credential", () => authOn.app],
  ] as const) {
    test.each(["PUT", "PATCH", "OPTIONS", "TRACE"])(`%s on the MCP paths is 405 with Allow and a JSON-RPC body (${name})`, async (method) => {
      for (const path of MCP_PATHS) {
        const response = await send(app(), method, { url: `http://127.0.0.1:5008${path}` });
        expect(response.status).toBe(405);
        expect(response.headers.get("allow")).toBe("GET, POST, DELETE");
        expect(response.headers.get("content-type")).toBe("application/json");
        const body = (await response.json()) as { jsonrpc: string; id: null; error: { code: number; message: string } };
        expect(body.jsonrpc).toBe("2.0");
        expect(body.error.code).toBe(-32600);
        expect(body.error.message).toStartWith(`Method Not Allowed: ${method} is not an MCP request`);
      }
    });
  }

  test("GET, POST and DELETE keep their own answers", async () => {
    expect((await send(t.app, "GET", { headers: { Accept: "application/json" } })).status).toBe(200);
    expect((await send(t.app, "DELETE", {})).status).toBe(400);
  });
});
