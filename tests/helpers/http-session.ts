/**
 * Legacy (2025-11-25) MCP sessions over plain HTTP against a running server (the built binary):
 * initialize plus notifications/initialized, and POSTs carrying the session, for tests that look
 * at the wire (status, headers, SSE ids) rather than through an SDK client.
 */
import { INITIALIZE_PARAMS } from "./app.ts";

export const LEGACY_PROTOCOL_VERSION = "2025-11-25";

/** Headers of a request of `sessionId` (none before initialize). */
export function sessionHeaders(sessionId?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    "MCP-Protocol-Version": LEGACY_PROTOCOL_VERSION,
    ...(sessionId && { "Mcp-Session-Id": sessionId }),
    ...extra,
  };
}

/** POSTs one JSON-RPC message to `url` in `sessionId`. */
export function postMcp(url: string, body: unknown, sessionId?: string, extra: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: "POST", headers: sessionHeaders(sessionId, extra), body: JSON.stringify(body), ...(signal && { signal }) });
}

/** Opens a session with initialize and notifications/initialized; returns its id, or throws saying what was answered. */
export async function openHttpSession(url: string): Promise<string> {
  const initialize = await fetch(url, { method: "POST", headers: sessionHeaders(), body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: INITIALIZE_PARAMS }) });
  const text = await initialize.text();
  const sessionId = initialize.headers.get("mcp-session-id");
  if (initialize.status !== 200 || !sessionId) throw new Error(`initialize answered ${initialize.status} without a session: ${text}`);
  const initialized = await postMcp(url, { jsonrpc: "2.0", method: "notifications/initialized" }, sessionId);
  if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}: ${await initialized.text()}`);
  return sessionId;
}
