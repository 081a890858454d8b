/**
 * The methods a modern (2026-07-28) request may call, as a table that other modules extend: the
 * tasks extension adds `tasks/*` with addMethod, its task creation with wrapToolCall, and its
 * entry in discover with addExtension. Lookups read own properties only, so `constructor` or
 * `__proto__` is an unknown method like any other. Anything not in the table, including the
 * methods 2026-07-28 removed (initialize, ping, logging/setLevel…), is 404 -32601.
 */
import { InsufficientScopeError } from "../auth/errors.ts";
import type { CallContext } from "./call-context.ts";
import { discoverResult } from "./discover.ts";
import { toolToCall } from "./dispatch.ts";
import { ModernError, type ModernRequest } from "./envelope.ts";
import { checkParamHeaders } from "./headers.ts";
import { ErrorCode, errorResponse, RpcError, type JsonRpcRequest, type JsonRpcResponse } from "./jsonrpc.ts";
import { ListenRegistry, listenMethod, StreamAnswer, type TaskOwnerCheck } from "./listen.ts";
import { describeModernTool } from "./modern-tools.ts";
import { LOGGING_LEVELS } from "./sessions.ts";
import { echo } from "../tools/limits.ts";
import type { AnyTool } from "../tools/types.ts";

/** The context of a modern request: the route's CallContext with this request's envelope. */
export type ModernContext = CallContext & { modern: ModernRequest };

/** One modern method: its result (resultType and serverInfo are added on the way out), or a StreamAnswer. */
export type ModernMethod = (params: Record<string, unknown>, context: ModernContext) => unknown;

/** One tools/call after the tool is found and its headers checked. */
export interface ModernToolCall {
  tool: AnyTool;
  arguments: unknown;
  /** The whole request params (a retry's inputResponses, requestState…). */
  params: Record<string, unknown>;
}

/** Answers a modern tools/call: a CallToolResult, or another result kind (`task`, `input_required`). */
export type ModernToolRunner = (call: ModernToolCall, context: ModernContext) => Promise<Record<string, unknown>>;

/** Wraps the runner of modern tools/call results, like ToolCallLayer for the tool itself. */
export type ModernToolHook = (next: ModernToolRunner) => ModernToolRunner;

/** What one modern request is answered with: a JSON-RPC response and its HTTP status, or a stream to open. */
export type ModernAnswer = { kind: "response"; status: number; response: JsonRpcResponse } | { kind: "stream"; answer: StreamAnswer };

export interface ModernDispatchOptions {
  /** MCP_CACHE_CONFIG.list_tools_ttl in milliseconds: tools/list's ttlMs. */
  listToolsTtlMs: number;
  listeners: ListenRegistry;
}

/** The ttlMs of tools/list results; `private` since the list varies with the caller's role and scopes. */
const TOOLS_LIST_SCOPE = "private";

export function createModernDispatch(options: ModernDispatchOptions) {
  const methods: Record<string, ModernMethod> = Object.create(null);
  const extensions: Record<string, object> = Object.create(null);
  let taskOwnerCheck: TaskOwnerCheck | undefined;
  const innermost: ModernToolRunner = (call, context) => context.runTool({ tool: call.tool, arguments: call.arguments, context }) as unknown as Promise<Record<string, unknown>>;
  let runToolCall = innermost;

  methods["server/discover"] = () => discoverResult(extensions);
  methods["tools/list"] = (_params, context) => ({ tools: context.tools.map(describeModernTool), ttlMs: options.listToolsTtlMs, cacheScope: TOOLS_LIST_SCOPE });
  methods["tools/call"] = (params, context) => {
    const tool = toolToCall(params, context);
    // Mcp-Param-* is the last header check (§4): only now is the tool, and so its marked properties, known.
    checkParamHeaders(context.modern.headers, describeModernTool(tool).inputSchema, params.arguments);
    return runToolCall({ tool, arguments: params.arguments, params }, context);
  };
  methods["subscriptions/listen"] = listenMethod(options.listeners, () => taskOwnerCheck);

  return {
    listeners: options.listeners,
    /** Adds (or replaces) a method; `tasks/get` and friends come from the tasks extension. */
    addMethod(name: string, method: ModernMethod): void {
      methods[name] = method;
    },
    /** Advertises an extension in server/discover's capabilities.extensions. */
    addExtension(name: string, settings: object = {}): void {
      extensions[name] = settings;
    },
    /** Puts `hook` around the modern tools/call runner (the last added is outermost). */
    wrapToolCall(hook: ModernToolHook): void {
      runToolCall = hook(runToolCall);
    },
    /** Lets subscriptions/listen acknowledge task ids: only those `check` says the caller owns. */
    setTaskOwnerCheck(check: TaskOwnerCheck): void {
      taskOwnerCheck = check;
    },
    has(name: string): boolean {
      return Object.hasOwn(methods, name);
    },
    /** Answers one modern request whose envelope and standard headers were checked; only a scope challenge is thrown. */
    async dispatch(message: JsonRpcRequest, context: ModernContext): Promise<ModernAnswer> {
      const method = Object.hasOwn(methods, message.method) ? methods[message.method] : undefined;
      if (!method) return { kind: "response", status: 404, response: errorResponse(message.id, ErrorCode.MethodNotFound, `Method not found: ${echo(message.method)} (MCP 2026-07-28).`) };
      try {
        const result = await method(message.params ?? {}, context);
        if (result instanceof StreamAnswer) return { kind: "stream", answer: result };
        return { kind: "response", status: 200, response: { jsonrpc: "2.0", id: message.id, result } };
      } catch (error) {
        if (error instanceof ModernError) return { kind: "response", status: error.status, response: errorResponse(message.id, error.code, error.message, error.data) };
        if (error instanceof RpcError) return { kind: "response", status: 200, response: errorResponse(message.id, error.code, error.message, error.data) };
        if (error instanceof InsufficientScopeError) throw error;
        const { callId } = context;
        const level = context.modern.logLevel;
        if (level && LOGGING_LEVELS.indexOf("error") >= LOGGING_LEVELS.indexOf(level))
          context.modern.notify?.({ method: "notifications/message", params: { level: "error", logger: "superset", data: { message: `Internal error (call id ${callId})` } } });
        console.error(`[${callId}]`, error);
        return { kind: "response", status: 200, response: errorResponse(message.id, ErrorCode.InternalError, `Internal error (call id ${callId}).`) };
      }
    },
  };
}

export type ModernDispatch = ReturnType<typeof createModernDispatch>;
