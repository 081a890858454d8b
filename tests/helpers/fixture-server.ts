/**
 * A test-only MCP server for the conformance scenarios that need the suite's own fixture tools
 * (`test_simple_text`, `test_tool_with_progress`, `json_schema_2020_12_tool`…): the product's route,
 * transport and modern dispatch (route → transport → dispatch → tool-call layers → tool) over
 * these tools instead of the product's, which ships none of them. Extensible: `extend` receives
 * the modern dispatch (addMethod, wrapToolCall, addExtension) and `tools`/`results` add more tools.
 * Run as a script it prints its URL: `bun tests/helpers/fixture-server.ts`.
 */
import { Elysia } from "elysia";
import * as v from "valibot";
import { createAuthenticator } from "../../src/auth/authenticate.ts";
import { defaultConfig } from "../../src/config/defaults.ts";
import type { ResolvedConfig } from "../../src/config/schema.ts";
import { openDatabase } from "../../src/db/client.ts";
import { declaresCapability, ModernError, ModernErrorCode } from "../../src/mcp/envelope.ts";
import { ListenRegistry } from "../../src/mcp/listen.ts";
import { createModernDispatch, type ModernDispatch } from "../../src/mcp/modern-dispatch.ts";
import { describeModernTool } from "../../src/mcp/modern-tools.ts";
import { createModernTransport } from "../../src/mcp/modern-transport.ts";
import { createSessionRegistry, sessionLimitsOf } from "../../src/mcp/session-store/index.ts";
import type { CallToolResult, ToolCallHandler } from "../../src/mcp/tool-calls.ts";
import { createTransport } from "../../src/mcp/transport.ts";
import { createHostAccess } from "../../src/server/app.ts";
import { mcpRoutes } from "../../src/server/routes/mcp.ts";
import { trustedProxyList } from "../../src/server/pipeline/client-address.ts";
import { NO_METRICS } from "../../src/metrics/index.ts";
import { createMemoryStore } from "../../src/store/memory.ts";
import { ensureDevUser } from "../../src/services/bootstrap.ts";
import { createServices } from "../../src/services/index.ts";
import { defineTool, type AnyTool, type ToolContext } from "../../src/tools/types.ts";
import { freePort } from "./binary.ts";

/** A fixture tool's whole result, as the scenario expects it (content of any type). */
export type FixtureResult = (args: Record<string, unknown>, context: ToolContext) => Promise<Record<string, unknown>> | Record<string, unknown>;

// A 1×1 red PNG and a 44-byte silent WAV: the smallest media the scenarios accept.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";
const text = (value: string) => ({ content: [{ type: "text", text: value }] });

/** The input schema json-schema-2020-12 expects to see unchanged in tools/list. */
export const SCHEMA_2020_12_TOOL = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: { address: { $anchor: "addressDef", type: "object", properties: { street: { type: "string" }, city: { type: "string" } } } },
  properties: { name: { type: "string" }, address: { $ref: "#/$defs/address" }, contactMethod: { type: "string", enum: ["phone", "email"] }, phone: { type: "string" }, email: { type: "string" } },
  allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
  if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
  then: { required: ["phone"] },
  else: { required: ["email"] },
  additionalProperties: false,
};

/** The fixture tools by name, and what each answers (tools-call-* scenarios of the suite). */
export const FIXTURE_RESULTS: Record<string, FixtureResult> = {
  test_simple_text: () => text("This is a simple text response for testing."),
  test_image_content: () => ({ content: [{ type: "image", data: PNG, mimeType: "image/png" }] }),
  test_audio_content: () => ({ content: [{ type: "audio", data: WAV, mimeType: "audio/wav" }] }),
  test_embedded_resource: () => ({ content: [{ type: "resource", resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." } }] }),
  test_multiple_content_types: () => ({
    content: [
      { type: "text", text: "Multiple content types test:" },
      { type: "image", data: PNG, mimeType: "image/png" },
      { type: "resource", resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: '{"test":"data","value":123}' } },
    ],
  }),
  test_error_handling: () => ({ ...text("This tool intentionally returns an error for testing"), isError: true }),
  test_tool_with_progress: async (_args, context) => {
    // The scenario describes 0, 50 and 100 of 100 with a pause between them.
    for (const value of [0, 50, 100]) {
      context.progress?.(value, 100);
      if (value < 100) await Bun.sleep(50);
    }
    return text("Progress tool completed.");
  },
  test_missing_capability: () => text("sampling was declared"),
  test_streaming_elicitation: () => text("No server request was sent on this stream."),
  test_logging_tool: () => text("Logged nothing: the request set no log level."),
  json_schema_2020_12_tool: () => text("ok"),
};

/** Raw input schemas a fixture shows instead of its valibot one. */
const RAW_SCHEMAS: Record<string, Record<string, unknown>> = { json_schema_2020_12_tool: SCHEMA_2020_12_TOOL };

function fixtureTool(name: string): AnyTool {
  return defineTool({
    name,
    description: `Conformance fixture ${name}.`,
    input: v.record(v.string(), v.unknown()),
    output: v.unknown(),
    annotations: { readOnlyHint: true },
    handler: async () => ({}),
  });
}

export interface FixtureServer {
  url: string;
  dispatch: ModernDispatch;
  stop(): Promise<void>;
}

export interface FixtureOptions {
  /** More fixture tools (tasks, input-required scenarios), by name. */
  results?: Record<string, FixtureResult>;
  /** Plugs more into the modern dispatch before the server starts. */
  extend?: (dispatch: ModernDispatch, listeners: ListenRegistry) => void;
}

/** Starts the fixture server on a free loopback port in this process. */
export async function startFixtureServer(options: FixtureOptions = {}): Promise<FixtureServer> {
  const results = { ...FIXTURE_RESULTS, ...options.results };
  const tools = Object.keys(results).map(fixtureTool);
  const db = openDatabase("sqlite://:memory:");
  await db.migrate();
  const services = createServices(db);
  await ensureDevUser(services, "admin");
  const port = freePort();
  const config: ResolvedConfig = { ...defaultConfig(false), MCP_DEV_USERNAME: "admin", MCP_SERVICE_HOST: "127.0.0.1", MCP_SERVICE_PORT: port };
  const listeners = new ListenRegistry();
  const dispatch = createModernDispatch({ listToolsTtlMs: 0, listeners });
  // The raw schemas stand in for the generated ones; everything else of tools/list is the product's.
  dispatch.addMethod("tools/list", (_params, context) => ({
    tools: context.tools.map((tool) => (RAW_SCHEMAS[tool.name] ? { ...describeModernTool(tool), inputSchema: RAW_SCHEMAS[tool.name] } : describeModernTool(tool))),
    ttlMs: 0,
    cacheScope: "private",
  }));
  // test_missing_capability needs sampling: refused with -32021 through the tools/call hook the extensions use.
  dispatch.wrapToolCall((next) => (call, context) => {
    if (call.tool.name === "test_missing_capability" && !declaresCapability(context.modern, "sampling")) {
      throw new ModernError(400, ModernErrorCode.MissingRequiredClientCapability, "Missing client capability: test_missing_capability needs sampling.", { requiredCapabilities: { sampling: {} } });
    }
    return next(call, context);
  });
  options.extend?.(dispatch, listeners);
  const runTool: ToolCallHandler = async (call) => (await results[call.tool.name]!((call.arguments ?? {}) as Record<string, unknown>, call.context)) as unknown as CallToolResult;
  const modern = createModernTransport({ dispatch });
  const transport = createTransport({ mode: "stateful", sessions: createSessionRegistry(sessionLimitsOf(config), null), modern });
  const hosts = createHostAccess(config, services);
  const publicUrl = `http://127.0.0.1:${port}`;
  const app = new Elysia().use(
    mcpRoutes({
      transport,
      services,
      runtime: { startedAtMs: Date.now(), store: "memory", schedulerRunning: false, hostsOnline: () => 0, hostsConnectedHere: () => 0 },
      hosts,
      tools,
      origin: { bindHost: "127.0.0.1", publicUrl, allowedOrigins: [], allowedHosts: [] },
      rateLimit: { ...config.MCP_RATE_LIMIT, enabled: false, windowSeconds: 60, store: createMemoryStore({ maxEntries: 100 }), trustedProxies: trustedProxyList([]) },
      auth: { authenticate: createAuthenticator({ config, services, customProvider: null }), debugErrors: false, resourceMetadata: null },
      scopes: { requiredScopes: [] },
      runTool,
      authEnabled: false,
      publicUrl,
      metrics: NO_METRICS,
    }),
  );
  const server = Bun.serve({ hostname: "127.0.0.1", port, fetch: (request) => app.handle(request), idleTimeout: 0 });
  return {
    url: `${publicUrl}/mcp`,
    dispatch,
    async stop() {
      listeners.endAll();
      await server.stop(true);
      await db.close();
    },
  };
}

if (import.meta.main) {
  const server = await startFixtureServer();
  console.log(server.url);
  process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
}
