/**
 * Target (b) of the benchmark: the same tasks_list written the usual way with the official SDK —
 * Node, express, a new McpServer and a stateless StreamableHTTPServerTransport per request (the
 * SDK's stateless example), reading the same SQLite file through better-sqlite3.
 *
 *   node scripts/bench/reference-sdk.mjs <sqlite-file> <port> [organization-slug]
 *
 * Answers tasks_list with the shape ours has (the query and mapping are in reference-tasks.mjs).
 */
import Database from "better-sqlite3";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { ORGANIZATION_QUERY, PAGE_QUERY, pageResult, TOOL_DESCRIPTION } from "./reference-tasks.mjs";

const [file, port, organizationSlug = "default"] = process.argv.slice(2);
if (!file || !port) throw new Error("usage: node scripts/bench/reference-sdk.mjs <sqlite-file> <port> [organization-slug]");

const db = new Database(file, { readonly: true, fileMustExist: true });
const organization = db.prepare(ORGANIZATION_QUERY).get(organizationSlug);
if (!organization) throw new Error(`no organization "${organizationSlug}" in ${file}`);
const pageQuery = db.prepare(PAGE_QUERY);

function buildServer() {
  const server = new McpServer({ name: "reference-sdk", version: "1.0.0" });
  server.registerTool(
    "tasks_list",
    {
      description: TOOL_DESCRIPTION,
      inputSchema: { limit: z.number().int().min(1).max(500).default(50), offset: z.number().int().min(0).default(0) },
      annotations: { readOnlyHint: true },
    },
    async ({ limit, offset }) => pageResult(pageQuery.all(organization.id, limit + 1, offset), limit, offset),
  );
  return server;
}

const app = createMcpExpressApp();

app.post("/mcp", async (req, res) => {
  const server = buildServer();
  try {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (error) {
    console.error("Error handling MCP request:", error);
    if (!res.headersSent) res.status(500).json({ jsonrpc: "2.0", error: { code: -32603, message: "Internal server error" }, id: null });
  }
});

app.listen(Number(port), "127.0.0.1", (error) => {
  if (error) throw error;
  console.log(`reference SDK server on http://127.0.0.1:${port}/mcp`);
});
