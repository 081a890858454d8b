/**
 * Streamable HTTP for a modern (2026-07-28) request: no session, every POST answered on its own.
 * The first failing step of docs/protocol.md#a-modern-request-step-by-step answers, with the request's id: envelope (400
 * -32602), header version against the claim (400 -32020), claimed version served (400 -32022),
 * standard headers (400 -32020), then the method table (404 -32601, 400 -32021, Mcp-Param 400
 * -32020, else 200). A request with a progressToken that accepts SSE gets its own stream once
 * its first progress arrives; a client closing the request or its stream aborts the work.
 */
import { insufficientScope } from "../auth/challenges.ts";
import { InsufficientScopeError } from "../auth/errors.ts";
import { NO_METRICS, type Metrics } from "../metrics/index.ts";
import type { CallContext } from "./call-context.ts";
import { SERVER_INFO } from "./discover.ts";
import { META_SERVER_INFO, ModernError, ModernErrorCode, MODERN_PROTOCOL_VERSIONS, readEnvelope, type ModernRequest } from "./envelope.ts";
import { checkStandardHeaders, checkVersionHeader } from "./headers.ts";
import { errorResponse, serializeModernResponse, type JsonRpcRequest, type JsonRpcResponse } from "./jsonrpc.ts";
import type { ModernContext, ModernDispatch } from "./modern-dispatch.ts";
import { ModernStream } from "./modern-sse.ts";
import { serializedToolResult } from "./tool-calls.ts";

export interface ModernTransportOptions {
  dispatch: ModernDispatch;
  /** Called for a response that streams, so the server can lift its idle timeout for it. */
  onStream?: (request: Request) => void;
  metrics?: Metrics;
}

const JSON_HEADERS = { "Content-Type": "application/json" };

const serialize = (response: JsonRpcResponse) => serializeModernResponse(response, serializedToolResult, META_SERVER_INFO, SERVER_INFO);
const answer = (status: number, response: JsonRpcResponse) => new Response(serialize(response), { status, headers: JSON_HEADERS });

/** Checks the envelope and headers of `message`; returns its envelope, or throws ModernError for the first failing step. */
function admit(request: Request, message: JsonRpcRequest): ModernRequest {
  const modern = readEnvelope(message.id, message.method, message.params, request.headers);
  checkVersionHeader(request.headers, modern.protocolVersion);
  if (!MODERN_PROTOCOL_VERSIONS.includes(modern.protocolVersion)) {
    // A claimed 2025 version is refused too: the legacy era is reached by initialize, not by a claim.
    throw new ModernError(
      400,
      ModernErrorCode.UnsupportedProtocolVersion,
      `Unsupported protocol version "${modern.protocolVersion}" (supported: ${MODERN_PROTOCOL_VERSIONS.join(", ")}; 2025 versions start with initialize).`,
      {
        supported: [...MODERN_PROTOCOL_VERSIONS],
        requested: modern.protocolVersion,
      },
    );
  }
  checkStandardHeaders(request.headers, modern.protocolVersion, message.method, message.params);
  return modern;
}

export function createModernTransport(options: ModernTransportOptions) {
  const { dispatch, metrics = NO_METRICS } = options;

  /** Answers one modern message; a notification is accepted and dropped (HTTP defines none for 2026-07-28). */
  async function post(request: Request, message: JsonRpcRequest | null, context: CallContext): Promise<Response> {
    if (message === null) return new Response(null, { status: 202 });
    let modern: ModernRequest;
    try {
      modern = admit(request, message);
    } catch (error) {
      if (!(error instanceof ModernError)) throw error;
      const response = errorResponse(message.id, error.code, error.message, error.data);
      metrics.mcpAnswer(request, message.method, response);
      return answer(error.status, response);
    }
    const wantsStream = modern.progressToken !== undefined && (request.headers.get("accept") ?? "").includes("text/event-stream");
    return wantsStream ? streamedAnswer(request, message, { ...context, modern }) : plainAnswer(request, message, { ...context, modern, signal: request.signal });
  }

  async function plainAnswer(request: Request, message: JsonRpcRequest, context: ModernContext): Promise<Response> {
    try {
      const outcome = await dispatch.dispatch(message, context);
      if (outcome.kind === "stream") {
        const stream = new ModernStream();
        options.onStream?.(request);
        outcome.answer.start(stream);
        return stream.response;
      }
      metrics.mcpAnswer(request, message.method, outcome.response);
      return answer(outcome.status, outcome.response);
    } catch (error) {
      if (!(error instanceof InsufficientScopeError)) throw error;
      metrics.mcpForbidden(request, message.method);
      return insufficientScope(error.scopes);
    }
  }

  /**
   * The stream opens with the first progress notification, so a refusal before any work (404,
   * -32021, Mcp-Param) keeps its HTTP status; after that the answer is the stream's last event.
   */
  function streamedAnswer(request: Request, message: JsonRpcRequest, base: ModernContext): Promise<Response> {
    const abort = new AbortController();
    const cancel = () => abort.abort("the client closed the request");
    request.signal.addEventListener("abort", cancel, { once: true });
    let stream: ModernStream | null = null;
    let respond: (response: Response) => void;
    const opened = new Promise<Response>((resolve) => (respond = resolve));
    const open = (): ModernStream => {
      if (stream) return stream;
      stream = new ModernStream();
      stream.signal.addEventListener("abort", cancel, { once: true });
      options.onStream?.(request);
      respond(stream.response);
      return stream;
    };
    const progressToken = base.modern.progressToken!;
    let lastProgress = -Infinity;
    const notify = (notification: { method: string; params?: Record<string, unknown> }) => {
      if (!abort.signal.aborted) open().send({ jsonrpc: "2.0", ...notification });
    };
    const progress = (value: number, total?: number, note?: string) => {
      // MCP requires progress to increase with each notification; a repeat is dropped.
      if (value <= lastProgress) return;
      lastProgress = value;
      notify({ method: "notifications/progress", params: { progressToken, progress: value, ...(total !== undefined && { total }), ...(note !== undefined && { message: note }) } });
    };
    const context: ModernContext = { ...base, progress, signal: abort.signal, modern: { ...base.modern, notify } };
    void dispatch
      .dispatch(message, context)
      .then((outcome) => {
        if (outcome.kind === "stream") return outcome.answer.start(open());
        metrics.mcpAnswer(request, message.method, outcome.response);
        if (!stream) return respond(answer(outcome.status, outcome.response));
        // A closed stream gets nothing more: the client went away and the work was aborted.
        if (!abort.signal.aborted) stream.sendSerialized(serialize(outcome.response));
        stream.end();
      })
      .catch((error: unknown) => {
        if (error instanceof InsufficientScopeError) {
          metrics.mcpForbidden(request, message.method);
          if (!stream) return respond(insufficientScope(error.scopes));
          stream.send(errorResponse(message.id, -32600, `Forbidden: ${error.message}.`));
        } else {
          console.error(`[${context.callId}]`, error);
          const response = errorResponse(message.id, -32603, `Internal error (call id ${context.callId}).`);
          if (!stream) return respond(answer(500, response));
          stream.send(response);
        }
        stream.end();
      })
      .finally(() => request.signal.removeEventListener("abort", cancel));
    return opened;
  }

  return { post };
}

export type ModernTransport = ReturnType<typeof createModernTransport>;
