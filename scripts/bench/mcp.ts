/** The one MCP request the benchmark times, the handshake ours needs first, and the check of an answer. */

export const PROTOCOL_VERSION = "2025-11-25";
export const TASKS_PER_PAGE = 20;

/** `tools/call tasks_list {limit: 20}`, byte for byte what every target is sent. */
export const TASKS_LIST_BODY = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "tasks_list", arguments: { limit: TASKS_PER_PAGE } },
});

/** The stateless era (MCP 2026-07-28): no session; every request carries its envelope and its standard headers. */
export const MODERN_PROTOCOL_VERSION = "2026-07-28";

/** `tools/call name args` as a 2026-07-28 client sends it, with the `_meta` envelope. */
export function modernToolCallBody(name: string, args: Record<string, unknown>): string {
  const _meta = { "io.modelcontextprotocol/protocolVersion": MODERN_PROTOCOL_VERSION, "io.modelcontextprotocol/clientCapabilities": {} };
  return JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args, _meta } });
}

/** The headers of a 2026-07-28 tools/call: the version, Mcp-Method and Mcp-Name must match the body. */
export function modernHeaders(toolName: string, credential: Record<string, string> = {}): Record<string, string> {
  return {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    "MCP-Protocol-Version": MODERN_PROTOCOL_VERSION,
    "Mcp-Method": "tools/call",
    "Mcp-Name": toolName,
    ...credential,
  };
}

/** `tools/call health_check {}` in the 2025 era: a call whose tool does almost nothing, so the answer times the protocol layer. */
export const TRIVIAL_CALL_BODY = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "health_check", arguments: {} } });

/** The headers a Streamable HTTP client sends with each POST (plus Mcp-Session-Id for a stateful server). */
export function postHeaders(sessionId: string | null, credential: Record<string, string> = {}): Record<string, string> {
  return {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    "MCP-Protocol-Version": PROTOCOL_VERSION,
    ...(sessionId && { "Mcp-Session-Id": sessionId }),
    ...credential,
  };
}

/** initialize + notifications/initialized, as a client opens a session; returns the Mcp-Session-Id. */
export async function openSession(url: string, credential: Record<string, string> = {}): Promise<string> {
  const initialize = {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "bench", version: "1" } },
  };
  const answer = await fetch(url, { method: "POST", headers: postHeaders(null, credential), body: JSON.stringify(initialize) });
  const sessionId = answer.headers.get("mcp-session-id");
  const text = await answer.text();
  if (answer.status !== 200 || !sessionId) throw new Error(`initialize answered ${answer.status} without a session (${text.slice(0, 300)})`);
  const initialized = await fetch(url, {
    method: "POST",
    headers: postHeaders(sessionId, credential),
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await initialized.arrayBuffer();
  if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}, expected 202`);
  return sessionId;
}

/** The JSON-RPC message of an answer sent as JSON or as an SSE stream of one `data:` event. */
function messageOf(text: string, contentType: string): { result?: { structuredContent?: unknown; isError?: boolean }; error?: unknown } {
  if (!contentType.includes("text/event-stream")) return JSON.parse(text);
  const data = text.split("\n").find((line) => line.startsWith("data:"));
  if (!data) throw new Error(`the SSE answer has no data line: ${text.slice(0, 300)}`);
  return JSON.parse(data.slice("data:".length));
}

/**
 * Sends the timed request once and checks it answers 200 with 20 tasks and no error, so the
 * benchmark cannot end up timing error responses. Returns the raw body and the tool's result.
 */
export async function verifyAnswer(url: string, headers: Record<string, string>, request = TASKS_LIST_BODY): Promise<{ body: string; structured: unknown }> {
  const answer = await fetch(url, { method: "POST", headers, body: request });
  const body = await answer.text();
  const problem = (why: string) => new Error(`${url} answered ${why}: ${body.slice(0, 500)}`);
  if (answer.status !== 200) throw problem(`HTTP ${answer.status}`);
  const message = messageOf(body, answer.headers.get("content-type") ?? "");
  if (message.error) throw problem("a JSON-RPC error");
  if (message.result?.isError) throw problem("a tool error");
  const structured = message.result?.structuredContent as { result?: unknown[]; status?: string } | undefined;
  if (request === TRIVIAL_CALL_BODY || JSON.parse(request).params.name === "health_check") {
    if (structured?.status !== "ok") throw problem("a health_check that is not ok");
    return { body, structured };
  }
  const tasks = structured?.result;
  if (!Array.isArray(tasks) || tasks.length !== TASKS_PER_PAGE) throw problem(`${Array.isArray(tasks) ? tasks.length : "no"} tasks instead of ${TASKS_PER_PAGE}`);
  return { body, structured };
}
