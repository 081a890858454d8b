/**
 * Target (d) of the benchmark: the same tasks_list with the newest official SDK, v2
 * (`@modelcontextprotocol/server`), the way its documentation serves it on Bun: one long-lived
 * `createMcpHandler(factory)` behind `Bun.serve`, whose default stateless legacy leg answers the
 * 2025-era request every target is sent with a fresh McpServer from the factory. It reads the
 * same SQLite file through bun:sqlite, with the query and mapping of reference-tasks.mjs.
 *
 *   bun scripts/bench/reference-sdk-v2.ts <sqlite-file> <port> [organization-slug]
 */
import { Database } from "bun:sqlite";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { ORGANIZATION_QUERY, PAGE_QUERY, pageResult, TOOL_DESCRIPTION } from "./reference-tasks.mjs";

const [file, port, organizationSlug = "default"] = process.argv.slice(2);
if (!file || !port) throw new Error("usage: bun scripts/bench/reference-sdk-v2.ts <sqlite-file> <port> [organization-slug]");

const db = new Database(file, { readonly: true });
const organization = db.query<{ id: string }, [string]>(ORGANIZATION_QUERY).get(organizationSlug);
if (!organization) throw new Error(`no organization "${organizationSlug}" in ${file}`);
const pageQuery = db.query<Record<string, unknown>, [string, number, number]>(PAGE_QUERY);

function buildServer(): McpServer {
  const server = new McpServer({ name: "reference-sdk-v2", version: "1.0.0" });
  server.registerTool(
    "tasks_list",
    {
      description: TOOL_DESCRIPTION,
      inputSchema: z.object({ limit: z.number().int().min(1).max(500).default(50), offset: z.number().int().min(0).default(0) }),
      annotations: { readOnlyHint: true },
    },
    async ({ limit, offset }) => pageResult(pageQuery.all(organization!.id, limit + 1, offset), limit, offset),
  );
  return server;
}

const handler = createMcpHandler(buildServer, { onerror: (error) => console.error("MCP handler error:", error) });

Bun.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  fetch: (request) => (new URL(request.url).pathname === "/mcp" ? handler.fetch(request) : new Response("not found", { status: 404 })),
});
console.log(`reference SDK v2 server on http://127.0.0.1:${port}/mcp`);
