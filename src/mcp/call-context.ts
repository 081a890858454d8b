/**
 * The one context of an MCP request: the route makes it once the caller is authenticated, the
 * transport adds the session and (for a streamed answer) the progress sink, dispatch hands it to
 * the tool-call layers, and the tool reads it as its ToolContext — the fields a tool may use.
 */
import type { Principal } from "../auth/principal.ts";
import type { AnyTool, ToolContext } from "../tools/types.ts";
import type { ModernRequest } from "./envelope.ts";
import type { McpSession } from "./sessions.ts";
import type { ToolCallHandler } from "./tool-calls.ts";

export interface CallContext extends ToolContext {
  principal: Principal;
  /** The legacy session named by Mcp-Session-Id; null for a request answered on its own. */
  session: McpSession | null;
  /** The tools this caller may see and call, in catalog order. */
  tools: readonly AnyTool[];
  /** Every enabled tool, to tell a tool hidden for lack of scope (403) from an unknown one. */
  catalog: readonly AnyTool[];
  /** Runs a tools/call through the layers after dispatch (cache, size guard) to the tool. */
  runTool: ToolCallHandler;
  /**
   * A 2026-07-28 request's envelope (envelope.ts): its id, declared client capabilities and
   * extensions, log level, progress token and headers. Absent on legacy (2025) requests.
   */
  modern?: ModernRequest;
}

let callCounter = 0;

/** An id for one request's log lines, short and unique within the process. */
export const newCallId = () => `${Date.now().toString(36)}-${(++callCounter).toString(36)}`;
