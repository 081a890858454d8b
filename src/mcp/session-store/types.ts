/**
 * Where legacy (2025-11-25) sessions and their SSE event logs are kept: in this process (memory.ts)
 * or in Redis (redis.ts), so that any replica can serve any session. The HTTP connections of the
 * streams stay in the process that holds them (sessions.ts); a backend keeps what a replica needs to
 * take a session over: its record, each stream's numbered events and whether the stream has ended.
 *
 * Bounds, the same for both: at most `maxSessionsPerPrincipal` sessions per principal (the one idle
 * longest is evicted), a session idle `idleSeconds` ends, each stream keeps its last `maxEvents`
 * events of the last `eventTtlSeconds` seconds, and a stream silent for `eventTtlSeconds` is gone.
 */

/** POST streams one session keeps at most, for Last-Event-ID resumption; past it the oldest ended ones go. */
export const MAX_STREAMS_PER_SESSION = 32;

export const LOGGING_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
export type LoggingLevel = (typeof LOGGING_LEVELS)[number];

/** What every replica knows of one session. */
export interface SessionRecord {
  id: string;
  /** The principal that opened it (principalKey): nobody else may use it. */
  ownerKey: string;
  protocolVersion: string;
  /** What logging/setLevel asked for (info until then). */
  logLevel: LoggingLevel;
  /** The stream of the session's GET request, where server-initiated messages go; null until a GET opened one. */
  standaloneStreamId: string | null;
}

/** One logged event of a stream: its number within the stream and the JSON-RPC message as JSON. */
export interface StoredEvent {
  seq: number;
  data: string;
}

/** What a resuming client can be given of a stream. */
export interface StreamReplay {
  /** The session the stream belongs to; null when the stream is unknown (never existed or aged out). */
  sessionId: string | null;
  /** The events still kept, oldest first. */
  events: StoredEvent[];
  /** The stream said all it will (a POST stream after its answer): a resumed connection replays and closes. */
  finished: boolean;
}

/** The bounds of sessions and event logs (config: MCP_MAX_SESSIONS_PER_PRINCIPAL, MCP_SESSION_IDLE_TIMEOUT_SECONDS, MCP_STORE_CONFIG.event_store_*). */
export interface SessionLimits {
  maxSessionsPerPrincipal: number;
  idleSeconds: number;
  maxEvents: number;
  eventTtlSeconds: number;
}

/** Sessions and event logs behind one contract; every method of the Redis backend may reject with StoreError. */
export interface SessionBackend {
  /** Stores a new session; returns the ids of the sessions of the same owner evicted to keep the cap. */
  create(record: SessionRecord): Promise<string[]>;
  /** The session, its idle clock restarted; null when it ended, was evicted or idled out. */
  touch(id: string): Promise<SessionRecord | null>;
  /** Changes the log level or the standalone stream of a live session (a missing one is left missing). */
  update(id: string, fields: Partial<Pick<SessionRecord, "logLevel" | "standaloneStreamId">>): Promise<void>;
  /** Ends a session and forgets its streams; false when there was none. */
  remove(id: string): Promise<boolean>;
  /** Starts an empty stream of `sessionId`; a POST stream (not the GET one) counts against MAX_STREAMS_PER_SESSION. */
  openStream(sessionId: string, streamId: string, isStandalone: boolean): Promise<void>;
  /** Logs one event on a stream of `sessionId` and returns its number (1, 2, …); 0 when the session is gone. */
  append(sessionId: string, streamId: string, data: string): Promise<number>;
  /** Marks a stream as ended; its events stay for resumption until they age out. */
  finish(streamId: string): Promise<void>;
  /** The stream's owner, its kept events after `afterSeq` and whether it ended. */
  replay(streamId: string, afterSeq: number): Promise<StreamReplay>;
  /** Sessions this backend holds, when it can tell cheaply (memory); null for Redis. */
  readonly size: number | null;
}
