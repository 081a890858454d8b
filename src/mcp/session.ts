/**
 * One legacy session as a request sees it (McpSession: its record, log level, streams, requests in
 * flight) and one of its streams as the code answering writes to it (SessionStream). Both act
 * through the SessionRegistry (sessions.ts), which holds this process's connections and tells the
 * other replicas.
 */
import { log } from "../log.ts";
import { LOGGING_LEVELS, type LoggingLevel, type SessionRecord } from "./session-store/types.ts";
import type { SessionRegistry } from "./sessions.ts";

/** One stream of a session, as the code answering a request writes to it; sends keep their order. */
export class SessionStream {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    private readonly sessionId: string,
    private readonly registry: SessionRegistry,
  ) {}

  /** Logs one JSON-RPC message on the stream and delivers it wherever a client follows the stream. */
  send(message: unknown): Promise<void> {
    const data = JSON.stringify(message);
    return (this.queue = this.queue.then(() => this.registry.deliver(this.sessionId, this.id, data)));
  }

  /** Marks the stream ended (after what was sent) and ends its connections. */
  end(): Promise<void> {
    return (this.queue = this.queue.then(() => this.registry.finish(this.id)));
  }
}

/** A session as one request sees it: its record as the request found it, and what it may do. */
export class McpSession {
  constructor(
    private readonly record: SessionRecord,
    private readonly registry: SessionRegistry,
  ) {}

  get id(): string {
    return this.record.id;
  }
  get ownerKey(): string {
    return this.record.ownerKey;
  }
  get protocolVersion(): string {
    return this.record.protocolVersion;
  }
  get logLevel(): LoggingLevel {
    return this.record.logLevel;
  }
  get standaloneStreamId(): string | null {
    return this.record.standaloneStreamId;
  }

  async setLogLevel(level: LoggingLevel): Promise<void> {
    await this.registry.backend.update(this.id, { logLevel: level });
    this.record.logLevel = level;
  }

  /** A new POST stream of this session. */
  async openStream(isStandalone = false): Promise<SessionStream> {
    const id = crypto.randomUUID();
    await this.registry.backend.openStream(this.id, id, isStandalone);
    return new SessionStream(id, this.id, this.registry);
  }

  /** The session's GET stream, made (and recorded for every replica) the first time. */
  async standaloneStream(): Promise<SessionStream> {
    if (!this.record.standaloneStreamId) {
      const stream = await this.openStream(true);
      await this.registry.backend.update(this.id, { standaloneStreamId: stream.id });
      this.record.standaloneStreamId = stream.id;
    }
    return new SessionStream(this.record.standaloneStreamId, this.id, this.registry);
  }

  /**
   * Runs `answer` as the request `id` of this session, with a signal that aborts when the client
   * sends notifications/cancelled for it, on any replica (MCP 2025-11-25 §Cancellation). A client
   * that merely disconnects does not cancel: the spec says it SHOULD NOT, and it may resume the stream.
   */
  answering<T>(id: string | number, answer: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.registry.answering(this.id, JSON.stringify(id), answer);
  }

  /** Aborts the request `requestId` wherever it is being answered; an unknown or finished id is ignored, as the spec asks. */
  async cancel(requestId: unknown, reason?: unknown): Promise<void> {
    if (typeof requestId !== "string" && typeof requestId !== "number") return;
    await this.registry.cancel(this.id, JSON.stringify(requestId), typeof reason === "string" ? reason : undefined);
  }

  /** Sends a notifications/message to the GET stream when `level` is at or above the session's level; a failure is logged, never thrown. */
  async notifyLog(level: LoggingLevel, data: unknown): Promise<void> {
    const streamId = this.record.standaloneStreamId;
    if (!streamId || LOGGING_LEVELS.indexOf(level) < LOGGING_LEVELS.indexOf(this.logLevel)) return;
    await new SessionStream(streamId, this.id, this.registry)
      .send({ jsonrpc: "2.0", method: "notifications/message", params: { level, logger: "superset", data } })
      .catch((error: unknown) => log.warn("a log notification could not be sent", { session: this.id, error: String(error) }));
  }
}
