/**
 * The MCP Server Card (SEP-2127) at /.well-known/mcp and /.well-known/mcp/server-card(.json):
 * public, the same document at each path, built from the config (public URL, sign-in, disabled
 * tools), listing every enabled tool as tools/list describes it, and holding no secret.
 */
import { describe, expect, test } from "bun:test";
import { describeTool } from "../../src/mcp/tool-calls.ts";
import { SERVER_CARD_PATHS, SERVER_CARD_SCHEMA } from "../../src/server/routes/server-card.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";
import { VERSION } from "../../src/version.ts";
import { createTestApp } from "../helpers/app.ts";
import { AUTH_ON } from "../helpers/oauth-app.ts";

const PUBLIC = "https://superset.example.com";
const get = (app: { handle(r: Request): Promise<Response> }, path: string, init?: RequestInit) => app.handle(new Request(`http://127.0.0.1:5008${path}`, init));

interface Card {
  $schema: string;
  name: string;
  version: string;
  remotes: { type: string; url: string; supportedProtocolVersions: string[]; authentication: { required: boolean; schemes: string[] }; _meta?: Record<string, string> }[];
  capabilities: Record<string, unknown>;
  tools: { name: string; description: string; inputSchema: unknown; annotations: unknown }[];
}

describe("dev mode", async () => {
  const { app } = await createTestApp({ MCP_SERVICE_URL: PUBLIC, MCP_DISABLED_TOOLS: ["tasks_delete"] });

  test("every path answers the same public JSON, cacheable", async () => {
    const bodies: string[] = [];
    for (const path of SERVER_CARD_PATHS) {
      const response = await get(app, path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(response.headers.get("cache-control")).toBe("public, max-age=3600");
      bodies.push(await response.text());
    }
    expect(new Set(bodies).size).toBe(1);
  });

  test("identity, both endpoints with their transport and protocol versions, no sign-in required", async () => {
    const card = (await (await get(app, "/.well-known/mcp/server-card.json")).json()) as Card;
    expect(card.$schema).toBe(SERVER_CARD_SCHEMA);
    // Reverse DNS, exactly one slash (SEP-2127 §Field Descriptions).
    expect(card.name).toBe("com.example.superset/mcp");
    expect(card.version).toBe(VERSION);
    expect(card.remotes.map((remote) => [remote.type, remote.url])).toEqual([
      ["streamable-http", `${PUBLIC}/mcp`],
      ["streamable-http", `${PUBLIC}/api/v2/agent/mcp`],
    ]);
    for (const remote of card.remotes) {
      expect(remote.supportedProtocolVersions).toEqual(expect.arrayContaining(["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]));
      expect(remote.authentication).toEqual({ required: false, schemes: ["bearer"] });
    }
    expect(card.capabilities).toEqual({ tools: { listChanged: false } });
  });

  test("the enabled tools, described as tools/list describes them", async () => {
    const card = (await (await get(app, "/.well-known/mcp")).json()) as Card;
    const enabled = ALL_TOOLS.filter((tool) => tool.name !== "tasks_delete");
    expect(card.tools.map((tool) => tool.name)).toEqual(enabled.map((tool) => tool.name));
    for (const tool of enabled) {
      const shown = card.tools.find((item) => item.name === tool.name)!;
      const { name, title, description, inputSchema, outputSchema, annotations } = describeTool(tool);
      expect(shown).toEqual(JSON.parse(JSON.stringify({ name, title, description, inputSchema, outputSchema, annotations })));
    }
  });

  test("only GET: other methods are not served", async () => {
    expect((await get(app, "/.well-known/mcp", { method: "POST", body: "{}" })).status).toBe(404);
  });
});

describe("sign-in on", async () => {
  const secret = "a-very-secret-key-that-must-not-leak-0123456789abcdef";
  const { app } = await createTestApp({ ...AUTH_ON, SECRET_KEY: secret, MCP_SERVICE_URL: PUBLIC });

  test("required, OAuth and bearer, each endpoint pointing to its protected-resource metadata", async () => {
    const card = (await (await get(app, "/.well-known/mcp/server-card")).json()) as Card;
    for (const remote of card.remotes) {
      expect(remote.authentication).toEqual({ required: true, schemes: ["oauth2", "bearer"] });
      const metadataUrl = remote._meta!["io.modelcontextprotocol/oauthProtectedResource"]!;
      expect(metadataUrl).toBe(`${PUBLIC}/.well-known/oauth-protected-resource${new URL(remote.url).pathname}`);
      const metadata = (await (await get(app, new URL(metadataUrl).pathname)).json()) as { resource: string };
      expect(metadata.resource).toBe(remote.url);
    }
  });

  test("served without a credential, and holding no secret", async () => {
    const response = await get(app, "/.well-known/mcp");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/sk_live_[A-Za-z0-9_-]{43}/);
    expect(text).not.toContain("sqlite");
  });
});
