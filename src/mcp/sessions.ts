/**
 * Legacy (2025-11-25) MCP sessions, stateful mode: the negotiated protocol version, the log level
 * the client asked for, the principal that opened the session (nobody else may use it) and its SSE
 * streams. The records and event logs live in a SessionBackend (memory, or Redis so any replica can
 * serve any session); this process holds only its own HTTP connections and the requests it is
 * answering. What one replica does to another's connections or requests travels as a signal
 * (store/broadcast.ts): an event for a stream a client follows there, a stream's end, a
 * notifications/cancelled, a session's end.
 */
import type { Broadcast } from "../store/broadcast.ts";
import type { SessionBackend, SessionRecord } from "./session-store/types.ts";
import { SseConnection } from "./sse.ts";
import { McpSession } from "./session.ts";

export { LOGGING_LEVELS, type LoggingLevel } from "./session-store/types.ts";
export { McpSession, SessionStream } from "./session.ts";

/** Session and stream ids are random UUIDs; anything else names nothing, and is not looked up (nor made a Redis key). */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isSessionOrStreamId = (value: string) => ID_PATTERN.test(value);

/** How often sessions with a followed stream are touched when the registry is not told (five minutes). */
const DEFAULT_KEEP_ALIVE_MS = 5 * 60 * 1000;

/** What replicas tell each other about sessions; `from` is the sending registry, which ignores its own. */
export type SessionSignal =
  | { kind: "event"; from: string; streamId: string; seq: number; data: string }
  | { kind: "stream-end"; from: string; streamId: string }
  | { kind: "cancel"; from: string; sessionId: string; requestKey: string; reason?: string }
  | { kind: "session-end"; from: string; sessionId: string };

/** The sessions of a backend, with this process's connections and requests in flight. */
export class SessionRegistry {
  /** Tells this registry's signals from those of other replicas. */
  private readonly replicaId = crypto.randomUUID();
  private readonly connections = new Map<string, SseConnection>();
  private readonly inFlight = new Map<string, AbortController>();
  private keepAlive: ReturnType<typeof setInterval> | null = null;

  /**
   * `signals` is null when no other replica can hold a session's connections (the memory backend).
   * Every `keepAliveMs` the sessions with a stream followed here are touched: a client listening on
   * its GET stream is not idle, and one whose session ended unseen (a signal lost while Redis was
   * away, or an idle expiry) has its connections ended.
   */
  constructor(
    readonly backend: SessionBackend,
    private readonly signals: Broadcast<SessionSignal> | null = null,
    private readonly keepAliveMs = DEFAULT_KEEP_ALIVE_MS,
  ) {
    signals?.subscribe((signal) => {
      if (signal.from !== this.replicaId) this.onSignal(signal);
    });
  }

  /** Resolves once other replicas' signals reach this registry. */
  async ready(): Promise<void> {
    await this.signals?.whenSubscribed();
  }

  async create(ownerKey: string, protocolVersion: string): Promise<McpSession> {
    const record: SessionRecord = { id: crypto.randomUUID(), ownerKey, protocolVersion, logLevel: "info", standaloneStreamId: null };
    const evicted = await this.backend.create(record);
    for (const id of evicted) await this.ended(id);
    return new McpSession(record, this);
  }

  /** The live session `id`, its idle clock restarted; null when it ended, was evicted or idled out. */
  async get(id: string): Promise<McpSession | null> {
    if (!isSessionOrStreamId(id)) return null;
    const record = await this.backend.touch(id);
    return record ? new McpSession(record, this) : null;
  }

  async delete(id: string): Promise<boolean> {
    const removed = await this.backend.remove(id);
    await this.ended(id);
    return removed;
  }

  /**
   * A response following the stream `streamId` of `sessionId`. With `afterSeq` (a Last-Event-ID) it
   * first replays the kept events after it, and a stream that ended closes after the replay; null
   * when the stream is unknown or not this session's.
   */
  async connect(sessionId: string, streamId: string, options: { afterSeq: number | null; isStandalone: boolean }): Promise<Response | null> {
    if (!isSessionOrStreamId(streamId)) return null;
    const connection = new SseConnection(
      streamId,
      sessionId,
      options.isStandalone,
      (closed) => this.connections.get(streamId) === closed && this.connections.delete(streamId),
      options.afterSeq !== null,
    );
    // Registered before the replay is read, so no live event falls between the two.
    this.connections.get(streamId)?.end();
    this.connections.set(streamId, connection);
    this.startKeepAlive();
    if (options.afterSeq === null) return connection.response;
    try {
      const replay = await this.backend.replay(streamId, options.afterSeq);
      if (replay.sessionId !== sessionId) {
        connection.end();
        return null;
      }
      connection.replayed(replay.events, replay.finished);
      return connection.response;
    } catch (error) {
      connection.end();
      throw error;
    }
  }

  /** Whether this process holds an open connection of `streamId`. */
  isFollowedHere(streamId: string | null): boolean {
    return streamId !== null && (this.connections.get(streamId)?.isOpen ?? false);
  }

  /** Ends every GET stream this process holds with an orderly end of the response (shutdown). POST streams end by themselves. */
  endStandaloneStreams(): number {
    let ended = 0;
    for (const connection of [...this.connections.values()]) {
      if (!connection.isStandalone) continue;
      connection.end();
      ended++;
    }
    return ended;
  }

  /** Sessions open: all of them in memory; with Redis those this process holds a stream of. */
  get size(): number {
    return this.backend.size ?? new Set([...this.connections.values()].map((connection) => connection.sessionId)).size;
  }

  /** @internal SessionStream.send: logs the event, gives it to the connection here, tells the other replicas. */
  async deliver(sessionId: string, streamId: string, data: string): Promise<void> {
    let seq: number;
    try {
      seq = await this.backend.append(sessionId, streamId, data);
    } catch (error) {
      // The client following here still gets the message; only its resumption is lost.
      this.connections.get(streamId)?.sendUnlogged(data);
      throw error;
    }
    if (seq === 0) return;
    this.connections.get(streamId)?.deliver(seq, data);
    await this.signal({ kind: "event", from: this.replicaId, streamId, seq, data });
  }

  /** @internal SessionStream.end. */
  async finish(streamId: string): Promise<void> {
    await this.backend.finish(streamId);
    this.connections.get(streamId)?.end();
    await this.signal({ kind: "stream-end", from: this.replicaId, streamId });
  }

  /** @internal McpSession.answering. */
  async answering<T>(sessionId: string, requestKey: string, answer: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const key = `${sessionId} ${requestKey}`;
    const controller = new AbortController();
    this.inFlight.set(key, controller);
    try {
      return await answer(controller.signal);
    } finally {
      if (this.inFlight.get(key) === controller) this.inFlight.delete(key);
    }
  }

  /** @internal McpSession.cancel. */
  async cancel(sessionId: string, requestKey: string, reason?: string): Promise<void> {
    this.inFlight.get(`${sessionId} ${requestKey}`)?.abort(reason);
    await this.signal({ kind: "cancel", from: this.replicaId, sessionId, requestKey, ...(reason !== undefined && { reason }) });
  }

  /** Touches each session with a connection here, ending the connections of those that are gone; the timer runs it, tests call it. */
  async keepFollowedSessionsAlive(): Promise<void> {
    const sessionIds = new Set([...this.connections.values()].map((connection) => connection.sessionId));
    if (sessionIds.size === 0 && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = null;
    }
    for (const id of sessionIds) {
      try {
        if (!(await this.backend.touch(id))) this.endConnectionsOf(id);
      } catch {
        // The store does not answer: the next round tries again, the connections stay.
      }
    }
  }

  private startKeepAlive(): void {
    if (this.keepAlive) return;
    this.keepAlive = setInterval(() => void this.keepFollowedSessionsAlive(), this.keepAliveMs);
    this.keepAlive.unref?.();
  }

  /** Ends this process's connections of a session that ended, and tells the other replicas. */
  private async ended(sessionId: string): Promise<void> {
    this.endConnectionsOf(sessionId);
    await this.signal({ kind: "session-end", from: this.replicaId, sessionId });
  }

  private endConnectionsOf(sessionId: string): void {
    for (const connection of [...this.connections.values()]) if (connection.sessionId === sessionId) connection.end();
  }

  private async signal(signal: SessionSignal): Promise<void> {
    await this.signals?.publish(signal);
  }

  private onSignal(signal: SessionSignal): void {
    switch (signal.kind) {
      case "event":
        return this.connections.get(signal.streamId)?.deliver(signal.seq, signal.data);
      case "stream-end":
        return this.connections.get(signal.streamId)?.end();
      case "cancel":
        return this.inFlight.get(`${signal.sessionId} ${signal.requestKey}`)?.abort(signal.reason);
      case "session-end":
        return this.endConnectionsOf(signal.sessionId);
    }
  }
}
