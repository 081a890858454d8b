/** The MCP methods this server answers, over an authenticated principal and (in stateful mode) a session. */
import type { McpMethod } from "./methods.ts";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "./protocol.ts";
import { InsufficientScopeError } from "../auth/errors.ts";
import { hasToolScope } from "../auth/principal.ts";
import { VERSION } from "../version.ts";
import { echo } from "../tools/limits.ts";
import type { AnyTool } from "../tools/types.ts";
import type { CallContext } from "./call-context.ts";
import { ErrorCode, errorResponse, RpcError, type JsonRpcRequest, type JsonRpcResponse } from "./jsonrpc.ts";
import { LOGGING_LEVELS, type LoggingLevel } from "./sessions.ts";
import { describeTool } from "./tool-calls.ts";
import { StoreError } from "../store/types.ts";

export const SERVER_INSTRUCTIONS =
  "Superset runs a team's coding agents. Tasks, statuses and members are available at once. For workspaces, projects, agents and terminals call hosts_list first and pass a hostId from it. Before any destructive call (tools whose destructiveHint is true, such as tasks_delete) confirm with the user.";

/**
 * The tool a tools/call names, among those the caller may use; both eras ask here. A tool hidden
 * for lack of scope throws the scope challenge (step-up authorization: the transport answers HTTP
 * 403), any other name is invalid params.
 */
export function toolToCall(params: Record<string, unknown>, context: CallContext): AnyTool {
  if (typeof params.name !== "string") throw new RpcError(ErrorCode.InvalidParams, "Invalid params: name must be the name of a tool.");
  const tool = context.tools.find((candidate) => candidate.name === params.name);
  if (tool) return tool;
  const hidden = context.catalog.find((candidate) => candidate.name === params.name);
  if (hidden && !hasToolScope(context.principal, hidden.scope)) throw new InsufficientScopeError([hidden.scope]);
  throw new RpcError(ErrorCode.InvalidParams, `Unknown tool: ${echo(params.name)}. Call tools/list for the tools you may use.`);
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

type MethodHandler = (params: Record<string, unknown>, context: CallContext) => Promise<unknown> | unknown;

// No prototype: a method named "constructor", "toString" or "__proto__" is unknown like any other.
const METHODS: Record<string, MethodHandler> = Object.assign(Object.create(null) as Record<string, MethodHandler>, {
  initialize: (params) => initializeResult(negotiateProtocolVersion(params.protocolVersion)),
  ping: () => ({}),
  "tools/list": (_params, context) => ({ tools: context.tools.map(describeTool) }),
  "tools/call": (params, context) => {
    const tool = toolToCall(params, context);
    return context.runTool({ tool, arguments: params.arguments, context });
  },
  "logging/setLevel": async (params, context) => {
    const level = params.level;
    if (typeof level !== "string" || !LOGGING_LEVELS.includes(level as LoggingLevel)) {
      throw new RpcError(ErrorCode.InvalidParams, `Invalid params: level must be one of ${LOGGING_LEVELS.join(", ")}.`);
    }
    try {
      await context.session?.setLogLevel(level as LoggingLevel);
    } catch (error) {
      if (error instanceof StoreError)
        throw new RpcError(ErrorCode.InternalError, `The session store (Redis) is unreachable, so the log level cannot be kept now (${error.message}); retry in a few seconds.`);
      throw error;
    }
    return {};
  },
} satisfies Record<McpMethod, MethodHandler>);

/** Answers one request; protocol failures become JSON-RPC errors. Only a scope challenge is thrown, for the transport's 403. */
export async function dispatchRequest(request: JsonRpcRequest, context: CallContext): Promise<JsonRpcResponse> {
  const handler = Object.hasOwn(METHODS, request.method) ? METHODS[request.method] : undefined;
  if (!handler) return errorResponse(request.id, ErrorCode.MethodNotFound, `Method not found: ${echo(request.method)}.`);
  try {
    return { jsonrpc: "2.0", id: request.id, result: await handler(request.params ?? {}, context) };
  } catch (error) {
    if (error instanceof RpcError) return errorResponse(request.id, error.code, error.message, error.data);
    if (error instanceof InsufficientScopeError) throw error;
    const { callId } = context;
    void context.session?.notifyLog("error", { message: `Internal error (call id ${callId})` });
    console.error(`[${callId}]`, error);
    return errorResponse(request.id, ErrorCode.InternalError, `Internal error (call id ${callId}).`);
  }
}
