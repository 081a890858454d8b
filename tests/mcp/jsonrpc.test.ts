import { describe, expect, test } from "bun:test";
import { classifyMessage, serializeResponse } from "../../src/mcp/jsonrpc.ts";
import { serializedToolResult } from "../../src/mcp/tool-calls.ts";
import { tasksStatusesList } from "../../src/tools/tasks/statuses-list.ts";
import { callTool } from "../../src/mcp/tool-calls.ts";

describe("serializeResponse", () => {
  test("splices a tool result's serialized structuredContent and equals plain JSON.stringify", async () => {
    const statuses = [{ id: "a", name: 'Quote " and \\ and \u2028', color: "#fff", type: "backlog" as const, position: 0 }];
    const services = { statuses: { listFor: async () => statuses } };
    // The handler only reads services.statuses, so a partial context is enough here.
    const result = await callTool(tasksStatusesList, {}, { services, actor: {}, runtime: {}, callId: "t" } as never);
    expect(serializedToolResult(result)).toBe(JSON.stringify({ statuses }));
    for (const id of [1, 'req-"7"']) {
      const response = { jsonrpc: "2.0" as const, id, result };
      const text = serializeResponse(response, serializedToolResult);
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(response)));
    }
  });

  test("serializes every other response as JSON.stringify does", () => {
    const response = { jsonrpc: "2.0" as const, id: 3, result: { tools: [] } };
    expect(serializeResponse(response, serializedToolResult)).toBe(JSON.stringify(response));
  });

  test("classifyMessage keeps only the JSON-RPC fields", () => {
    expect(classifyMessage({ jsonrpc: "2.0", id: 1, method: "ping", extra: true })).toEqual({ kind: "request", message: { jsonrpc: "2.0", id: 1, method: "ping", params: undefined } });
  });
});
