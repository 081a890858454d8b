/**
 * A minimal MCP 2026-07-28 client for tests: every request carries the envelope in `_meta` and
 * the standard headers (SEP-2243), against an app (app.handle) or a listening server (fetch).
 */
import type { App } from "../../src/server/app.ts";
import { MCP_URL } from "./app.ts";

export const MODERN_VERSION = "2026-07-28";
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
/** Client capabilities declaring the tasks extension. */
export const WITH_TASKS = { extensions: { [TASKS_EXTENSION]: {} } };

let nextId = 1;

/** The body and headers of one modern request. */
export function modernRequest(method: string, params: Record<string, unknown>, clientCapabilities: Record<string, unknown>) {
  const body = {
    jsonrpc: "2.0" as const,
    id: `m-${nextId++}`,
    method,
    params: { ...params, _meta: { "io.modelcontextprotocol/protocolVersion": MODERN_VERSION, "io.modelcontextprotocol/clientCapabilities": clientCapabilities } },
  };
  const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": MODERN_VERSION, "Mcp-Method": method };
  const name = method === "tools/call" ? params.name : method.startsWith("tasks/") ? params.taskId : undefined;
  if (typeof name === "string") headers["Mcp-Name"] = name;
  const hostId = (params.arguments as { hostId?: unknown } | undefined)?.hostId;
  // Modern tools/list marks hostId "x-mcp-header": "Host-Id"; a call that sends it must repeat it in the header.
  if (method === "tools/call" && typeof hostId === "string") headers["Mcp-Param-Host-Id"] = hostId;
  return { body, headers };
}

export interface ModernAnswer {
  status: number;
  body: { id: unknown; result?: Record<string, any>; error?: { code: number; message: string; data?: unknown } };
}

/** Sends one modern request through `app.handle`, or over HTTP when `baseUrl` is given. */
export async function sendModern(target: { app: App } | { baseUrl: string }, method: string, params: Record<string, unknown>, clientCapabilities: Record<string, unknown> = {}): Promise<ModernAnswer> {
  const { body, headers } = modernRequest(method, params, clientCapabilities);
  const init = { method: "POST", headers: { Host: "127.0.0.1:5008", ...headers }, body: JSON.stringify(body) };
  const response = "app" in target ? await target.app.handle(new Request(MCP_URL, init)) : await fetch(`${target.baseUrl}/mcp`, { ...init, headers });
  return { status: response.status, body: (await response.json()) as ModernAnswer["body"] };
}
