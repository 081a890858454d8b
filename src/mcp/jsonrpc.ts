/** JSON-RPC 2.0 messages as MCP uses them, and the error answers the transport gives. */
import { ErrorCode } from "./protocol.ts";

export type RequestId = string | number;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: RequestId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: Record<string, unknown>;
}

export type JsonRpcResponse = { jsonrpc: "2.0"; id: RequestId; result: unknown } | { jsonrpc: "2.0"; id: RequestId | null; error: { code: number; message: string; data?: unknown } };

export type IncomingMessage = { kind: "request"; message: JsonRpcRequest } | { kind: "notification"; message: JsonRpcNotification } | { kind: "response" };

/** A protocol-level failure: becomes a JSON-RPC error object. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export { ErrorCode };

export function errorResponse(id: RequestId | null, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: data === undefined ? { code, message } : { code, message, data } };
}

const isId = (value: unknown): value is RequestId => typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Classifies one parsed JSON value; throws RpcError(InvalidRequest) when it is no JSON-RPC 2.0 message. */
export function classifyMessage(value: unknown): IncomingMessage {
  if (!isPlainObject(value) || value.jsonrpc !== "2.0") throw new RpcError(ErrorCode.InvalidRequest, 'Invalid Request: expected a JSON-RPC 2.0 object with "jsonrpc": "2.0".');
  if (value.params !== undefined && !isPlainObject(value.params)) throw new RpcError(ErrorCode.InvalidRequest, "Invalid Request: params must be an object.");
  if (typeof value.method === "string") {
    const params = value.params as Record<string, unknown> | undefined;
    if (value.id === undefined) return { kind: "notification", message: { jsonrpc: "2.0", method: value.method, params } };
    if (!isId(value.id)) throw new RpcError(ErrorCode.InvalidRequest, "Invalid Request: id must be a string or a number.");
    return { kind: "request", message: { jsonrpc: "2.0", id: value.id, method: value.method, params } };
  }
  if (isId(value.id) && ("result" in value || "error" in value)) return { kind: "response" };
  throw new RpcError(ErrorCode.InvalidRequest, "Invalid Request: a message needs a method, or an id with a result or an error.");
}

/**
 * The JSON text of a response. A tool result's structuredContent and its text content are the
 * same JSON; it was serialized once for the text, so it is spliced in rather than serialized again
 * (on a 20-task page this is a third of the work of an answer).
 */
export function serializeResponse(response: JsonRpcResponse, serializedOf: (result: unknown) => string | undefined, resultTail = ""): string {
  if ("result" in response) {
    const json = serializedOf(response.result);
    if (json !== undefined) {
      return `{"jsonrpc":"2.0","id":${JSON.stringify(response.id)},"result":{"content":[{"type":"text","text":${JSON.stringify(json)}}],"structuredContent":${json}${resultTail}}}`;
    }
  }
  return JSON.stringify(response);
}

/**
 * The JSON text of a modern (2026-07-28) response: every result gains `resultType` (`complete`
 * unless it says otherwise, SEP-2322) and `_meta[metaKey]` = `serverInfo` (spec PR #3002); errors
 * are unchanged. The tool-result splice stays: the two fields go after structuredContent.
 */
export function serializeModernResponse(response: JsonRpcResponse, serializedOf: (result: unknown) => string | undefined, metaKey: string, serverInfo: unknown): string {
  if (!("result" in response)) return JSON.stringify(response);
  const meta = { [metaKey]: serverInfo };
  if (serializedOf(response.result) !== undefined) return serializeResponse(response, serializedOf, `,"resultType":"complete","_meta":${JSON.stringify(meta)}`);
  const result = (typeof response.result === "object" && response.result !== null ? response.result : {}) as Record<string, unknown>;
  const ownMeta = typeof result._meta === "object" && result._meta !== null ? result._meta : {};
  return JSON.stringify({ ...response, result: { ...result, resultType: result.resultType ?? "complete", _meta: { ...ownMeta, ...meta } } });
}
