/**
 * Streamable HTTP (MCP 2025-11-25 §Transports) for an authenticated principal: POST carries
 * JSON-RPC messages and is answered as JSON (or SSE when the request asks for progress), GET opens
 * the session's server-to-client SSE stream, DELETE ends the session. Every malformed request
 * gets an HTTP status and a JSON-RPC error body; nothing here throws to the framework.
 */
import { insufficientScope } from "../auth/challenges.ts";
import { InsufficientScopeError } from "../auth/errors.ts";
import { SUPPORTED_PROTOCOL_VERSIONS } from "./protocol.ts";
import { classifyMessage, ErrorCode, errorResponse, RpcError, serializeResponse, type JsonRpcRequest } from "./jsonrpc.ts";
import { serializedToolResult } from "./tool-calls.ts";
import type { CallContext } from "./call-context.ts";
import { dispatchRequest, initializeResult, negotiateProtocolVersion } from "./dispatch.ts";
import { parseEventId } from "./sse.ts";
import type { McpSession, SessionRegistry } from "./sessions.ts";
import { StoreError } from "../store/types.ts";
import { log } from "../log.ts";
import { NO_METRICS, type Metrics } from "../metrics/index.ts";
import { eraOf } from "./era.ts";
import { readCapped } from "../server/form-body.ts";
import type { ModernTransport } from "./modern-transport.ts";

export type SessionMode = "stateful" | "stateless";

export interface TransportOptions {
  mode: SessionMode;
  sessions: SessionRegistry;
  /** Called for a response that streams, so the server can lift its idle timeout for it. */
  onStream?: (request: Request) => void;
  /** Told the outcome of each JSON-RPC request. */
  metrics?: Metrics;
  /** Answers the requests of the 2026-07-28 era (era.ts); without it every request is legacy. */
  modern?: ModernTransport;
  /** MCP_MAX_REQUEST_BYTES: a longer body is refused with 413 before it is read further (default 4 MiB). */
  maxRequestBytes?: number;
}

const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

const JSON_HEADERS = { "Content-Type": "application/json" };

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

const httpError = (status: number, code: number, message: string) => jsonResponse(status, errorResponse(null, code, message));

/** Seconds a client is asked to wait before retrying a request the session store could not serve. */
const STORE_RETRY_AFTER_SECONDS = 5;

/** The answer when the session store (Redis) failed: a 503 that says so, never a misleading "Session not found". */
function sessionStoreUnavailable(error: StoreError): Response {
  log.warn("the session store failed", { error: error.message });
  const message = `Service Unavailable: the session store (Redis) is unreachable, so the MCP session cannot be looked up or kept now (${error.message}); retry in a few seconds.`;
  return jsonResponse(503, errorResponse(null, ErrorCode.InternalError, message), { "Retry-After": String(STORE_RETRY_AFTER_SECONDS) });
}

/** Runs `handle`, answering a StoreError it throws with the 503 of sessionStoreUnavailable. */
async function withSessionStore(handle: () => Promise<Response>): Promise<Response> {
  try {
    return await handle();
  } catch (error) {
    if (error instanceof StoreError) return sessionStoreUnavailable(error);
    throw error;
  }
}

function accepts(request: Request, type: string): boolean {
  const accept = request.headers.get("accept");
  return !accept || accept.includes(type) || accept.includes("*/*");
}

/**
 * The modern message of a parsed body (null for a notification), or undefined when the body is
 * legacy: not one JSON-RPC request or notification (rule 2 of era.ts keeps today's answers), or no claim.
 */
function modernMessage(headers: Headers, parsed: unknown): JsonRpcRequest | null | undefined {
  if (Array.isArray(parsed)) return undefined;
  let incoming;
  try {
    incoming = classifyMessage(parsed);
  } catch {
    return undefined;
  }
  if (incoming.kind === "response" || eraOf(headers, incoming.message.params) !== "modern") return undefined;
  return incoming.kind === "request" ? incoming.message : null;
}

function protocolVersionProblem(request: Request): Response | null {
  const version = request.headers.get("mcp-protocol-version");
  if (version === null || SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return null;
  return httpError(400, ErrorCode.InvalidRequest, `Bad Request: unsupported MCP-Protocol-Version "${version}" (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}).`);
}

export function createTransport(options: TransportOptions) {
  const { mode, sessions, metrics = NO_METRICS, maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES } = options;

  /** The session named by Mcp-Session-Id, a Response refusing the request, or null when there is none (stateless handling). */
  async function lookupSession(request: Request, context: CallContext): Promise<McpSession | Response | null> {
    const id = request.headers.get("mcp-session-id");
    if (mode === "stateless" || id === null) return null;
    const session = await sessions.get(id);
    // A session belongs to the principal that opened it; to anyone else it does not exist.
    if (!session || session.ownerKey !== context.principal.key) return httpError(404, -32001, "Session not found: it ended or never existed; send initialize to start a new one.");
    return session;
  }

  async function answerPost(request: Request, context: CallContext): Promise<Response> {
    const contentType = request.headers.get("content-type") ?? "";
    if (!contentType.toLowerCase().startsWith("application/json")) {
      return httpError(415, ErrorCode.InvalidRequest, "Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json.");
    }
    if (!accepts(request, "application/json") && !accepts(request, "text/event-stream")) {
      return httpError(406, ErrorCode.InvalidRequest, "Not Acceptable: the Accept header must allow application/json or text/event-stream.");
    }
    // A declared length over the cap is refused unread; a chunked body stops being read at the cap.
    const body = await readCapped(request, maxRequestBytes);
    if (!body) return httpError(413, ErrorCode.InvalidRequest, `Payload Too Large: the body is over ${maxRequestBytes} bytes (MCP_MAX_REQUEST_BYTES); send smaller arguments.`);
    let parsed: unknown;
    let isJson = true;
    try {
      parsed = JSON.parse(new TextDecoder().decode(body));
    } catch {
      isJson = false;
    }
    // The era decision point: a modern message never reaches the session code below.
    const modern = isJson && options.modern ? modernMessage(request.headers, parsed) : undefined;
    if (modern !== undefined) return options.modern!.post(request, modern, context);

    const versionProblem = protocolVersionProblem(request);
    if (versionProblem) return versionProblem;
    if (!isJson) return httpError(400, ErrorCode.ParseError, "Parse error: the body is not valid JSON.");
    if (Array.isArray(parsed)) {
      return httpError(400, ErrorCode.InvalidRequest, "Invalid Request: JSON-RPC batches are not supported; send one message per POST.");
    }
    let incoming;
    try {
      incoming = classifyMessage(parsed);
    } catch (error) {
      return httpError(400, (error as RpcError).code, (error as RpcError).message);
    }
    if (incoming.kind !== "request") {
      const found = await lookupSession(request, context);
      if (found instanceof Response) return found;
      if (incoming.kind === "notification" && incoming.message.method === "notifications/cancelled") await found?.cancel(incoming.message.params?.requestId, incoming.message.params?.reason);
      return new Response(null, { status: 202 });
    }
    const message = incoming.message;
    if (message.method === "initialize") return initialize(request, message, context);

    const found = await lookupSession(request, context);
    if (found instanceof Response) return found;
    const withSession: CallContext = { ...context, session: found };
    if (wantsStream(request, message) && found) return streamAnswer(request, message, withSession, found);
    try {
      const response = found ? await found.answering(message.id, (signal) => dispatchRequest(message, { ...withSession, signal })) : await dispatchRequest(message, withSession);
      metrics.mcpAnswer(request, message.method, response);
      return new Response(serializeResponse(response, serializedToolResult), { status: 200, headers: JSON_HEADERS });
    } catch (error) {
      if (!(error instanceof InsufficientScopeError)) throw error;
      metrics.mcpForbidden(request, message.method);
      return (context.scopeChallenge ?? insufficientScope)(error.scopes);
    }
  }

  async function initialize(request: Request, message: JsonRpcRequest, context: CallContext): Promise<Response> {
    if (mode === "stateful" && request.headers.get("mcp-session-id") !== null) {
      return httpError(400, ErrorCode.InvalidRequest, "Invalid Request: this session is already initialized; send initialize without Mcp-Session-Id to start a new one.");
    }
    const version = negotiateProtocolVersion(message.params?.protocolVersion);
    const body = { jsonrpc: "2.0" as const, id: message.id, result: initializeResult(version) };
    metrics.mcpAnswer(request, message.method, body);
    if (mode === "stateless") return jsonResponse(200, body);
    const session = await sessions.create(context.principal.key, version);
    return jsonResponse(200, body, { "Mcp-Session-Id": session.id });
  }

  /** SSE when the client asked for progress notifications and accepts a stream. */
  function wantsStream(request: Request, message: JsonRpcRequest): boolean {
    const meta = message.params?._meta as { progressToken?: unknown } | undefined;
    return meta?.progressToken !== undefined && (request.headers.get("accept") ?? "").includes("text/event-stream");
  }

  async function streamAnswer(request: Request, message: JsonRpcRequest, context: CallContext, session: McpSession): Promise<Response> {
    const stream = await session.openStream();
    const response = (await sessions.connect(session.id, stream.id, { afterSeq: null, isStandalone: false }))!;
    const streamFailed = (error: unknown) => log.warn("a streamed answer could not be logged or relayed", { session: session.id, method: message.method, error: String(error) });
    options.onStream?.(request);
    // The 200 is already sent, so a scope challenge can only travel as a JSON-RPC error here.
    const scopeError = (error: unknown) => {
      if (!(error instanceof InsufficientScopeError)) throw error;
      return errorResponse(message.id, ErrorCode.InvalidRequest, `Forbidden: ${error.message}.`);
    };
    const progressToken = (message.params?._meta as { progressToken: string | number }).progressToken;
    let lastProgress = -Infinity;
    const progress = (value: number, total?: number, note?: string) => {
      // MCP requires progress to increase with each notification; a repeat is dropped.
      if (value <= lastProgress) return;
      lastProgress = value;
      void stream
        .send({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken, progress: value, ...(total !== undefined && { total }), ...(note !== undefined && { message: note }) } })
        .catch(streamFailed);
    };
    void session
      .answering(message.id, (signal) => dispatchRequest(message, { ...context, progress, signal }))
      .catch(scopeError)
      .then(async (answer) => {
        metrics.mcpAnswer(request, message.method, answer);
        // Each step on its own: an answer the log could not take still ends the stream.
        await stream.send(answer).catch(streamFailed);
        await stream.end().catch(streamFailed);
      });
    return response;
  }

  async function answerGet(request: Request, context: CallContext): Promise<Response> {
    if (mode === "stateless") return httpError(405, ErrorCode.InvalidRequest, "Method Not Allowed: this server runs stateless; there is no stream to open.");
    if (!accepts(request, "text/event-stream")) return httpError(406, ErrorCode.InvalidRequest, "Not Acceptable: a GET stream needs Accept: text/event-stream.");
    if (request.headers.get("mcp-session-id") === null) return httpError(400, ErrorCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required to open a stream.");
    const versionProblem = protocolVersionProblem(request);
    if (versionProblem) return versionProblem;
    const found = await lookupSession(request, context);
    if (!found) return httpError(400, ErrorCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required to open a stream.");
    if (found instanceof Response) return found;
    const resume = parseEventId(request.headers.get("last-event-id"));
    // The stream may have been followed on another replica: its log is in the backend.
    const resumed = resume ? await sessions.connect(found.id, resume.streamId, { afterSeq: resume.seq, isStandalone: resume.streamId === found.standaloneStreamId }) : null;
    if (resumed) {
      options.onStream?.(request);
      return resumed;
    }
    if (sessions.isFollowedHere(found.standaloneStreamId)) return httpError(409, ErrorCode.InvalidRequest, "Conflict: this session already has an open GET stream.");
    const stream = await found.standaloneStream();
    options.onStream?.(request);
    return (await sessions.connect(found.id, stream.id, { afterSeq: null, isStandalone: true }))!;
  }

  async function answerDelete(request: Request, context: CallContext): Promise<Response> {
    if (mode === "stateless") return httpError(405, ErrorCode.InvalidRequest, "Method Not Allowed: this server runs stateless; there is no session to end.");
    const found = await lookupSession(request, context);
    if (!found) return httpError(400, ErrorCode.InvalidRequest, "Bad Request: Mcp-Session-Id header is required to end a session.");
    if (found instanceof Response) return found;
    await sessions.delete(found.id);
    return new Response(null, { status: 200 });
  }

  return {
    post: (request: Request, context: CallContext) => withSessionStore(() => answerPost(request, context)),
    get: (request: Request, context: CallContext) => withSessionStore(() => answerGet(request, context)),
    delete: (request: Request, context: CallContext) => withSessionStore(() => answerDelete(request, context)),
  };
}

export type Transport = ReturnType<typeof createTransport>;
