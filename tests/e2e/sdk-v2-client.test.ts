/**
 * The official SDK v2 client (@modelcontextprotocol/client 2.4.0, pinned to 2026-07-28) drives the
 * built binary statelessly — server/discover, tools/list with its cache hints, tools/call — and a
 * v1 SDK client (2025-11-25 sessions) uses the same endpoint in the same run, unchanged. Progress
 * needs a tool that reports it, which the product runs only on a host, so the v2 client reads it
 * from the fixture app that mounts the same transport.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernHttpTransport } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyHttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.ts";

setDefaultTimeout(60_000);

const PIN_2026 = { versionNegotiation: { mode: { pin: "2026-07-28" } } } as const;

async function modernClient(url: string) {
  const client = new ModernClient({ name: "e2e-sdk-v2", version: "1.0.0" }, PIN_2026);
  await client.connect(new ModernHttpTransport(new URL(url)));
  return client;
}

const structured = <T>(result: unknown) => (result as { structuredContent: T }).structuredContent;

/** A raw modern POST, to see the fields the SDK consumes (ttlMs, cacheScope) as the server sent them. */
async function rawModern(url: string, method: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} } } }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("mcp-session-id")).toBeNull();
  return ((await response.json()) as { result: Record<string, unknown> }).result;
}

describe("SDK v2 client over 2026-07-28 and SDK v1 over 2025-11-25 on one endpoint", () => {
  let sandbox: Sandbox;
  let server: RunningServer;
  let fixture: FixtureServer;

  beforeAll(async () => {
    sandbox = await createSandbox();
    server = await sandbox.start();
    fixture = await startFixtureServer();
  });

  afterAll(async () => {
    await fixture?.stop();
    await sandbox?.dispose();
  });

  test("v2 discovers, lists with cache hints and calls tools statelessly", async () => {
    const client = await modernClient(server.url);
    try {
      expect(client.getProtocolEra()).toBe("modern");
      const discovered = client.getDiscoverResult()!;
      expect(discovered.supportedVersions).toEqual(["2026-07-28"]);
      expect(discovered.capabilities.tools).toEqual({});
      expect(client.getServerVersion()?.name).toBe("superset");

      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names).toContain("tasks_create");
      const hostBound = tools.find((tool) => "hostId" in ((tool.inputSchema.properties ?? {}) as object))!;
      expect((hostBound.inputSchema.properties as Record<string, Record<string, unknown>>).hostId!["x-mcp-header"]).toBe("Host-Id");

      const listed = await rawModern(server.url, "tools/list");
      expect(listed).toMatchObject({ resultType: "complete", cacheScope: "private", ttlMs: 300_000 });
      expect(await rawModern(server.url, "server/discover")).toMatchObject({ cacheScope: "public", ttlMs: 3_600_000 });

      const created = structured<{ task: { id: string; title: string } }>(await client.callTool({ name: "tasks_create", arguments: { title: "Made over 2026-07-28" } }));
      expect(created.task.title).toBe("Made over 2026-07-28");
      const page = structured<{ result: { task: { id: string } }[] }>(await client.callTool({ name: "tasks_list", arguments: { search: "2026-07-28" } }));
      expect(page.result.map((item) => item.task.id)).toContain(created.task.id);
    } finally {
      await client.close();
    }
  });

  test("v2 receives increasing progress on the call's own stream", async () => {
    const client = await modernClient(fixture.url);
    try {
      const seen: number[] = [];
      const result = await client.callTool({ name: "test_tool_with_progress", arguments: {} }, { onprogress: (progress) => seen.push(progress.progress) });
      expect(seen).toEqual([0, 50, 100]);
      expect(result.content).toEqual([{ type: "text", text: "Progress tool completed." }]);
    } finally {
      await client.close();
    }
  });

  test("v1 keeps its 2025-11-25 session, descriptors without x-mcp-header and tools", async () => {
    const client = new LegacyClient({ name: "e2e-sdk-v1", version: "1.0.0" });
    const transport = new LegacyHttpTransport(new URL(server.url));
    await client.connect(transport);
    try {
      expect(client.getServerCapabilities()?.logging).toEqual({});
      expect(transport.sessionId).toBeTruthy();
      const { tools } = await client.listTools();
      expect(JSON.stringify(tools)).not.toContain("x-mcp-header");
      const result = await client.callTool({ name: "tasks_list", arguments: { search: "2026-07-28" } });
      expect((result.structuredContent as { result: unknown[] }).result.length).toBeGreaterThan(0);
      expect(result).not.toHaveProperty("resultType");
    } finally {
      await client.close();
    }
  });
});
