/**
 * The per-request envelope of MCP 2026-07-28 (SEP-2575): the `params._meta` keys that replace the
 * initialize handshake. A modern request carries its protocol version and its client capabilities
 * on every call; nothing about a client is remembered between requests.
 */
import { LOGGING_LEVELS, type LoggingLevel } from "./sessions.ts";
import type { RequestId } from "./jsonrpc.ts";

/** The protocol versions the modern era serves. */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = ["2026-07-28"];
export const MODERN_PROTOCOL_VERSION = "2026-07-28";

export const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
export const META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
export const META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
export const META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";
export const META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
export const META_SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";

/** A client's capabilities as one request declares them (ClientCapabilities of the schema). */
export type ClientCapabilities = Record<string, unknown> & { extensions?: Record<string, unknown> };

/**
 * What a modern request said about its client, on `context.modern` for every layer below the
 * transport (tasks, input-required confirmations): this request's only capabilities.
 */
export interface ModernRequest {
  /** The JSON-RPC id of this request (a listen stream's subscription id). */
  id: RequestId;
  method: string;
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  /** For logs only; never required. */
  clientInfo?: { name?: string; version?: string };
  /** Without it the request gets no notifications/message. */
  logLevel?: LoggingLevel;
  progressToken?: string | number;
  /** W3C trace context, passed through to the logs. */
  trace?: { traceparent?: string; tracestate?: string; baggage?: string };
  /** The HTTP request's headers, for the Mcp-Param-* checks of tools/call. */
  headers: Headers;
  /** Sends a notification on this request's SSE answer; absent while it is answered as JSON. */
  notify?: (notification: { method: string; params?: Record<string, unknown> }) => void;
}

/** A modern failure with the HTTP status it is answered with (docs/protocol.md#a-modern-request-step-by-step). */
export class ModernError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export const ModernErrorCode = {
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022,
} as const;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const MAX_META_STRING = 1024;

/** The claim of a request: `params._meta[protocolVersion]` when present at all (it makes the request modern, §1). */
export function modernClaim(params: Record<string, unknown> | undefined): unknown {
  const meta = params?._meta;
  return isPlainObject(meta) && META_PROTOCOL_VERSION in meta ? meta[META_PROTOCOL_VERSION] : undefined;
}

const invalid = (what: string) => new ModernError(400, -32602, `Invalid params: ${what} (MCP 2026-07-28 sends it in params._meta on every request).`);

function boundedString(value: unknown): string | undefined {
  return typeof value === "string" && value.length <= MAX_META_STRING ? value : undefined;
}

/** Reads and checks the envelope; throws ModernError(400, -32602) naming the first missing or mistyped key. */
export function readEnvelope(id: RequestId, method: string, params: Record<string, unknown> | undefined, headers: Headers): ModernRequest {
  const meta = params?._meta;
  if (!isPlainObject(meta)) throw invalid("params._meta is missing");
  const protocolVersion = meta[META_PROTOCOL_VERSION];
  if (typeof protocolVersion !== "string" || protocolVersion.length === 0 || protocolVersion.length > 64) throw invalid(`_meta["${META_PROTOCOL_VERSION}"] must be a protocol version string`);
  const clientCapabilities = meta[META_CLIENT_CAPABILITIES];
  if (!isPlainObject(clientCapabilities)) throw invalid(`_meta["${META_CLIENT_CAPABILITIES}"] must be an object`);
  if (clientCapabilities.extensions !== undefined && !isPlainObject(clientCapabilities.extensions)) throw invalid(`_meta["${META_CLIENT_CAPABILITIES}"].extensions must be an object`);
  const request: ModernRequest = { id, method, protocolVersion, clientCapabilities: clientCapabilities as ClientCapabilities, headers };
  const clientInfo = meta[META_CLIENT_INFO];
  // clientInfo is for logs: a malformed one is dropped rather than refused (servers MUST NOT require it).
  if (isPlainObject(clientInfo)) request.clientInfo = { name: boundedString(clientInfo.name), version: boundedString(clientInfo.version) };
  const logLevel = meta[META_LOG_LEVEL];
  if (logLevel !== undefined) {
    if (typeof logLevel !== "string" || !LOGGING_LEVELS.includes(logLevel as LoggingLevel)) throw invalid(`_meta["${META_LOG_LEVEL}"] must be one of ${LOGGING_LEVELS.join(", ")}`);
    request.logLevel = logLevel as LoggingLevel;
  }
  const progressToken = meta.progressToken;
  if (progressToken !== undefined) {
    if (typeof progressToken !== "number" && (typeof progressToken !== "string" || progressToken.length > MAX_META_STRING)) throw invalid("_meta.progressToken must be a string or a number");
    request.progressToken = progressToken;
  }
  const trace = { traceparent: boundedString(meta.traceparent), tracestate: boundedString(meta.tracestate), baggage: boundedString(meta.baggage) };
  if (trace.traceparent || trace.tracestate || trace.baggage) request.trace = trace;
  return request;
}

/** Whether this request's client declared the extension `name` (`clientCapabilities.extensions[name]`). */
export function declaresExtension(request: ModernRequest, name: string): boolean {
  const extensions = request.clientCapabilities.extensions;
  return isPlainObject(extensions) && Object.hasOwn(extensions, name) && isPlainObject(extensions[name]);
}

/** Whether this request's client declared the top-level capability `name` (sampling, elicitation, roots). */
export function declaresCapability(request: ModernRequest, name: string): boolean {
  return Object.hasOwn(request.clientCapabilities, name) && isPlainObject(request.clientCapabilities[name]);
}
