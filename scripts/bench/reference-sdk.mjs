/**
 * Target (b) of the benchmark: the same tasks_list written the usual way with the official SDK —
 * Node, express, a new McpServer and a stateless StreamableHTTPServerTransport per request (the
 * SDK's stateless example), reading the same SQLite file through better-sqlite3.
 *
 *   node scripts/bench/reference-sdk.mjs <sqlite-file> <port> [organization-slug]
 *
 * Answers tasks_list with the shape ours has: {result: [{task, assignee, creator, statusName}], nextOffset}.
 */
import Database from "better-sqlite3";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

const [file, port, organizationSlug = "default"] = process.argv.slice(2);
if (!file || !port) throw new Error("usage: node scripts/bench/reference-sdk.mjs <sqlite-file> <port> [organization-slug]");

const db = new Database(file, { readonly: true, fileMustExist: true });
const organization = db.prepare("SELECT id FROM organizations WHERE slug = ?").get(organizationSlug);
if (!organization) throw new Error(`no organization "${organizationSlug}" in ${file}`);

// The query of src/services/tasks.ts list(): live tasks of one organization, newest first, one extra row to know if a next page exists.
const pageQuery = db.prepare(`
  SELECT t.*, s.name AS status_name, a.name AS assignee_name, c.name AS creator_name
  FROM tasks t
  JOIN task_statuses s ON s.id = t.status_id
  LEFT JOIN users a ON a.id = t.assignee_id
  LEFT JOIN users c ON c.id = t.creator_id
  WHERE t.organization_id = ? AND t.deleted_at IS NULL
  ORDER BY t.created_at DESC, t.id DESC
  LIMIT ? OFFSET ?`);

// Timestamps are stored as integer milliseconds; tools show them as ISO 8601.
const iso = (ms) => (ms === null ? null : new Date(ms).toISOString());

function toItem(row) {
  return {
    task: {
      id: row.id,
      slug: row.slug,
      title: row.title,
      description: row.description,
      statusId: row.status_id,
      priority: row.priority,
      assigneeId: row.assignee_id,
      creatorId: row.creator_id,
      estimate: row.estimate,
      dueDate: iso(row.due_date),
      labels: row.labels === null ? null : JSON.parse(row.labels),
      prUrl: row.pr_url,
      branch: row.branch,
      startedAt: iso(row.started_at),
      completedAt: iso(row.completed_at),
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      organizationId: row.organization_id,
    },
    assignee: row.assignee_id && row.assignee_name !== null ? { id: row.assignee_id, name: row.assignee_name } : null,
    creator: row.creator_id && row.creator_name !== null ? { id: row.creator_id, name: row.creator_name } : null,
    statusName: row.status_name,
  };
}

function buildServer() {
  const server = new McpServer({ name: "reference-sdk", version: "1.0.0" });
  server.registerTool(
    "tasks_list",
    {
      description: "List tasks of the organization, newest first, with assignee, creator and status name.",
      inputSchema: { limit: z.number().int().min(1).max(500).default(50), offset: z.number().int().min(0).default(0) },
      annotations: { readOnlyHint: true },
    },
    async ({ limit, offset }) => {
      const rows = pageQuery.all(organization.id, limit + 1, offset);
      const value = { result: rows.slice(0, limit).map(toItem), nextOffset: rows.length > limit ? offset + limit : null };
      return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
    },
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
