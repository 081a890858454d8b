/**
 * MCP sessions of this process (stateful mode): the negotiated protocol version, the log level the
 * client asked for, the principal that opened the session (nobody else may use it) and its SSE
 * streams. Idle sessions are dropped after a day; a client then gets 404 and initializes again.
 */
import { SseStream, type EventLogLimits } from "./sse.ts";

export const SESSION_IDLE_TTL_MS = 24 * 60 * 60 * 1000;
/** SSE streams a session keeps for Last-Event-ID resumption. */
export const MAX_STREAMS_PER_SESSION = 32;

export const LOGGING_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
export type LoggingLevel = (typeof LOGGING_LEVELS)[number];

export class McpSession {
  logLevel: LoggingLevel = "info";
  lastSeenAt = Date.now();
  /** The stream of the GET request: server-initiated messages go there. */
  standalone: SseStream | null = null;
  readonly streams = new Map<string, SseStream>();
  /** Requests of this session still being answered, by JSON id, so notifications/cancelled can stop one. */
  private readonly inFlight = new Map<string, AbortController>();

  constructor(
    readonly id: string,
    readonly ownerKey: string,
    readonly protocolVersion: string,
    private readonly limits: EventLogLimits,
  ) {}

  openStream(): SseStream {
    const stream = new SseStream(crypto.randomUUID(), this.limits);
    this.streams.set(stream.id, stream);
    // Finished POST streams are kept only for resumption; the oldest go once there are too many.
    for (const [id, old] of this.streams) {
      if (this.streams.size <= MAX_STREAMS_PER_SESSION) break;
      if (old !== this.standalone && !old.isConnected) this.streams.delete(id);
    }
    return stream;
  }

  /**
   * Runs `answer` as the request `id` of this session, with a signal that aborts when the client
   * sends notifications/cancelled for it (MCP 2025-11-25 §Cancellation). A client that merely
   * disconnects does not cancel: the spec says it SHOULD NOT, and it may resume the stream.
   */
  async answering<T>(id: string | number, answer: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const key = JSON.stringify(id);
    const controller = new AbortController();
    this.inFlight.set(key, controller);
    try {
      return await answer(controller.signal);
    } finally {
      if (this.inFlight.get(key) === controller) this.inFlight.delete(key);
    }
  }

  /** Aborts the request `requestId` when it is still being answered; an unknown or finished id is ignored, as the spec asks. */
  cancel(requestId: unknown, reason?: unknown): void {
    if (typeof requestId !== "string" && typeof requestId !== "number") return;
    this.inFlight.get(JSON.stringify(requestId))?.abort(typeof reason === "string" ? reason : undefined);
  }

  /** Sends a notifications/message to the standalone stream when `level` is at or above the session's level. */
  notifyLog(level: LoggingLevel, data: unknown): void {
    if (LOGGING_LEVELS.indexOf(level) < LOGGING_LEVELS.indexOf(this.logLevel)) return;
    this.standalone?.send({ jsonrpc: "2.0", method: "notifications/message", params: { level, logger: "superset", data } });
  }

  close(): void {
    for (const stream of this.streams.values()) stream.end();
    this.streams.clear();
  }
}

export class SessionRegistry {
  private readonly sessions = new Map<string, McpSession>();

  constructor(private readonly limits: EventLogLimits) {}

  create(ownerKey: string, protocolVersion: string): McpSession {
    this.sweep();
    const session = new McpSession(crypto.randomUUID(), ownerKey, protocolVersion, this.limits);
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string): McpSession | undefined {
    const session = this.sessions.get(id);
    if (session) session.lastSeenAt = Date.now();
    return session;
  }

  delete(id: string): boolean {
    const session = this.sessions.get(id);
    session?.close();
    return this.sessions.delete(id);
  }

  /**
   * Ends every session's GET stream with an orderly end of the response (shutdown). POST streams
   * are left alone: each ends by itself once its answer is sent.
   */
  endStandaloneStreams(): number {
    let ended = 0;
    for (const session of this.sessions.values()) {
      if (!session.standalone?.isConnected) continue;
      session.standalone.end();
      ended++;
    }
    return ended;
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const cutoff = Date.now() - SESSION_IDLE_TTL_MS;
    for (const [id, session] of this.sessions) if (session.lastSeenAt < cutoff) this.delete(id);
  }
}
