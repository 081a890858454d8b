/**
 * The whole HTTP app over a fresh in-memory SQLite database, driven through `app.handle` (no
 * socket), and small helpers that speak MCP to it the way a Streamable HTTP client does.
 */
import { buildCustomProvider } from "../../src/auth/factory.ts";
import { defaultConfig } from "../../src/config/defaults.ts";
import type { ResolvedConfig } from "../../src/config/schema.ts";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { ensureDevUser } from "../../src/services/bootstrap.ts";
import { createServices, type Services } from "../../src/services/index.ts";
import { createApp, createHostAccess, type App, type AppOptions } from "../../src/server/app.ts";
import type { ShutdownSwitch } from "../../src/server/shutdown.ts";
import type { HostAccess } from "../../src/hosts/access.ts";
import { createMetrics, type Metrics } from "../../src/metrics/index.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";

export const MCP_URL = "http://127.0.0.1:5008/mcp";
export const DEV_USERNAME = "admin";

export interface TestApp {
  app: App;
  db: Database;
  services: Services;
  config: ResolvedConfig;
  /** The host side the app's tools use: the hub of connected hosts, the agent presets and the run dispatcher. */
  hosts: HostAccess;
  /** NO_METRICS unless MCP_METRICS_ENABLED was among the overrides. */
  metrics: Metrics;
}

/**
 * A migrated in-memory database (or `options.db`, already migrated) with the dev user, and the app
 * over it with `overrides` applied to the defaults; an MCP_AUTH_FACTORY among them is built as the
 * server does at start.
 */
export async function createTestApp(
  overrides: Partial<ResolvedConfig> = {},
  options: Pick<AppOptions, "clientDocuments" | "shutdown" | "sharedStore"> & { db?: Database; now?: () => Date } = {},
): Promise<TestApp> {
  const db = options.db ?? openDatabase("sqlite://:memory:");
  if (!options.db) await db.migrate();
  const services = createServices(db, options.now);
  await ensureDevUser(services, DEV_USERNAME);
  const config: ResolvedConfig = { ...defaultConfig(false), MCP_DEV_USERNAME: DEV_USERNAME, MCP_SERVICE_HOST: "127.0.0.1", ...overrides };
  const customProvider = await buildCustomProvider(config);
  const metrics = await createMetrics(
    config,
    ALL_TOOLS.map((tool) => tool.name),
  );
  const hosts = createHostAccess(config, services, undefined, metrics);
  const { db: _given, now: _now, ...appOptions } = options;
  return { app: createApp({ config, services, customProvider, hosts, metrics, ...appOptions }), db, services, config, hosts, metrics };
}

export interface RpcOptions {
  headers?: Record<string, string>;
  sessionId?: string | null;
  url?: string;
}

/** Headers of a well-behaved client: JSON body, accepts JSON and SSE, same-host Origin. */
export function clientHeaders(options: RpcOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    Host: "127.0.0.1:5008",
  };
  if (options.sessionId) headers["Mcp-Session-Id"] = options.sessionId;
  return { ...headers, ...options.headers };
}

/** POSTs `body` (an object is sent as JSON, a string as is) and returns the raw Response. */
export function rpc(app: App, body: unknown, options: RpcOptions = {}): Promise<Response> {
  return app.handle(
    new Request(options.url ?? MCP_URL, {
      method: "POST",
      headers: clientHeaders(options),
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
}

/** Sends a request to /mcp with any method and headers (for GET, DELETE and header tests). */
export function send(app: App, method: string, options: RpcOptions & { body?: string } = {}): Promise<Response> {
  return app.handle(new Request(options.url ?? MCP_URL, { method, headers: clientHeaders(options), body: options.body }));
}

let nextId = 1;

/** A JSON-RPC request object with a fresh id. */
export const request = (method: string, params?: Record<string, unknown>) => ({ jsonrpc: "2.0" as const, id: nextId++, method, ...(params ? { params } : {}) });

export const INITIALIZE_PARAMS = {
  protocolVersion: "2025-11-25",
  capabilities: {},
  clientInfo: { name: "superset-tests", version: "0.0.0" },
};

/** Initializes a session (and sends notifications/initialized); returns its Mcp-Session-Id. */
export async function initialize(app: App, params: Record<string, unknown> = INITIALIZE_PARAMS): Promise<string> {
  const response = await rpc(app, request("initialize", params));
  if (response.status !== 200) throw new Error(`initialize answered ${response.status}: ${await response.text()}`);
  const sessionId = response.headers.get("mcp-session-id");
  if (!sessionId) throw new Error("initialize gave no Mcp-Session-Id");
  const initialized = await rpc(app, { jsonrpc: "2.0", method: "notifications/initialized" }, { sessionId });
  if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}`);
  return sessionId;
}

/** A JSON-RPC response as the tests read it. */
export interface RpcResponse<R = Record<string, unknown>> {
  jsonrpc: "2.0";
  id: string | number | null;
  result?: R;
  error?: { code: number; message: string; data?: unknown };
}

export interface ToolResult {
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** Sends one request in the session and returns the parsed JSON-RPC response (throws on a non-200). */
export async function call<R = Record<string, unknown>>(app: App, method: string, params: Record<string, unknown> | undefined, sessionId: string | null): Promise<RpcResponse<R>> {
  const response = await rpc(app, request(method, params), { sessionId });
  if (response.status !== 200) throw new Error(`${method} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as RpcResponse<R>;
}

/** Calls a tool and returns the parsed JSON-RPC response. */
export function callTool(app: App, name: string, args: Record<string, unknown>, sessionId: string | null): Promise<RpcResponse<ToolResult>> {
  return call<ToolResult>(app, "tools/call", { name, arguments: args }, sessionId);
}

/** Calls a tool and returns its result, failing when the call errs at the protocol level. */
export async function toolResult(app: App, name: string, args: Record<string, unknown>, sessionId: string | null): Promise<ToolResult> {
  const response = await callTool(app, name, args, sessionId);
  if (!response.result) throw new Error(`${name} failed: ${JSON.stringify(response.error)}`);
  return response.result;
}

/** Reads an SSE body until `count` events arrived, one matched `until`, or the stream ended; returns their ids and parsed data. */
export async function readSseEvents(
  response: Response,
  count: number,
  timeoutMs = 2_000,
  until?: (event: { id: string | null; data: unknown }) => boolean,
): Promise<{ id: string | null; data: unknown }[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: { id: string | null; data: unknown }[] = [];
  let buffer = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (events.length < count && !(until && events.some(until))) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const chunk = await Promise.race([reader.read(), Bun.sleep(remaining).then(() => null)]);
      if (chunk === null || chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = frame.split("\n");
        const data = lines.filter((line) => line.startsWith("data: ")).map((line) => line.slice(6));
        if (data.length === 0) continue; // a comment such as the keepalive
        const id = lines.find((line) => line.startsWith("id: "))?.slice(4) ?? null;
        events.push({ id, data: JSON.parse(data.join("\n")) });
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return events;
}

/** The host side of a ToolContext for tests that build one by hand: a hub with no hosts connected, and the built-in presets. */
export function idleHostAccess(services: Services): HostAccess {
  return createHostAccess(defaultConfig(false), services);
}
