/** The MCP methods this server answers, over an authenticated principal and (in stateful mode) a session. */
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "./protocol.ts";
import { InsufficientScopeError } from "../auth/errors.ts";
import { hasToolScope, type Principal } from "../auth/principal.ts";
import type { Services } from "../services/index.ts";
import type { Progress } from "../hosts/hub.ts";
import type { AnyTool, HostAccess, RuntimeInfo } from "../tools/types.ts";
import { VERSION } from "../version.ts";
import { ErrorCode, errorResponse, RpcError, type JsonRpcRequest, type JsonRpcResponse } from "./jsonrpc.ts";
import { LOGGING_LEVELS, type LoggingLevel, type McpSession } from "./sessions.ts";
import { describeTool, type ToolCallHandler } from "./tool-calls.ts";

export const SERVER_INSTRUCTIONS =
  "Superset runs a team's coding agents. Tasks, statuses and members are available at once. For workspaces, projects, agents and terminals call hosts_list first and pass a hostId from it. Before any destructive call (tools whose destructiveHint is true, such as tasks_delete) confirm with the user.";

/** Everything a method needs about the caller and the server. */
export interface DispatchContext {
  principal: Principal;
  session: McpSession | null;
  services: Services;
  runtime: RuntimeInfo;
  hosts: HostAccess;
  /** Set when the request carries a progressToken and its answer streams. */
  progress?: Progress;
  /** The tools this caller may see and call, in catalog order. */
  tools: readonly AnyTool[];
  /** Every enabled tool, to tell a tool hidden for lack of scope (403) from an unknown one. */
  catalog: readonly AnyTool[];
  /** Runs a tools/call through the layers after dispatch (size guard, cache) to the tool. */
  runTool: ToolCallHandler;
  /** The HTTP 403 for a request that lacks `scopes`, naming with them every other scope a request needs; the plain challenge when absent. */
  scopeChallenge?: (scopes: readonly string[]) => Response;
}

/** The protocol version to answer an initialize with: the client's when supported, else the latest. */
export function negotiateProtocolVersion(requested: unknown): string {
  return typeof requested === "string" && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

export function initializeResult(protocolVersion: string) {
  return {
    protocolVersion,
    capabilities: { tools: { listChanged: true }, logging: {} },
    serverInfo: { name: "superset", title: "Superset MCP", version: VERSION },
    instructions: SERVER_INSTRUCTIONS,
  };
}

let callCounter = 0;
const newCallId = () => `${Date.now().toString(36)}-${(++callCounter).toString(36)}`;

type MethodHandler = (params: Record<string, unknown>, context: DispatchContext) => Promise<unknown> | unknown;

const METHODS: Record<string, MethodHandler> = {
  initialize: (params) => initializeResult(negotiateProtocolVersion(params.protocolVersion)),
  ping: () => ({}),
  "tools/list": (_params, context) => ({ tools: context.tools.map(describeTool) }),
  "tools/call": (params, context) => {
    if (typeof params.name !== "string") throw new RpcError(ErrorCode.InvalidParams, "Invalid params: name must be the name of a tool.");
    const tool = context.tools.find((candidate) => candidate.name === params.name);
    if (!tool) {
      const hidden = context.catalog.find((candidate) => candidate.name === params.name);
      // Step-up authorization (MCP 2025-11-25 §Scope challenge): the transport answers this with HTTP 403.
      if (hidden && !hasToolScope(context.principal, hidden.scope)) throw new InsufficientScopeError([hidden.scope]);
      throw new RpcError(ErrorCode.InvalidParams, `Unknown tool: ${params.name}. Call tools/list for the tools you may use.`);
    }
    const { principal, services, runtime, hosts, progress } = context;
    return context.runTool({ tool, arguments: params.arguments, context: { services, actor: principal.actor, scopes: principal.scopes, runtime, callId: newCallId(), hosts, progress } });
  },
  "logging/setLevel": (params, context) => {
    const level = params.level;
    if (typeof level !== "string" || !LOGGING_LEVELS.includes(level as LoggingLevel)) {
      throw new RpcError(ErrorCode.InvalidParams, `Invalid params: level must be one of ${LOGGING_LEVELS.join(", ")}.`);
    }
    if (context.session) context.session.logLevel = level as LoggingLevel;
    return {};
  },
};

/** Answers one request; protocol failures become JSON-RPC errors. Only a scope challenge is thrown, for the transport's 403. */
export async function dispatchRequest(request: JsonRpcRequest, context: DispatchContext): Promise<JsonRpcResponse> {
  const handler = METHODS[request.method];
  if (!handler) return errorResponse(request.id, ErrorCode.MethodNotFound, `Method not found: ${request.method}.`);
  try {
    return { jsonrpc: "2.0", id: request.id, result: await handler(request.params ?? {}, context) };
  } catch (error) {
    if (error instanceof RpcError) return errorResponse(request.id, error.code, error.message, error.data);
    if (error instanceof InsufficientScopeError) throw error;
    const callId = newCallId();
    context.session?.notifyLog("error", { message: `Internal error (call id ${callId})` });
    console.error(`[${callId}]`, error);
    return errorResponse(request.id, ErrorCode.InternalError, `Internal error (call id ${callId}).`);
  }
}
