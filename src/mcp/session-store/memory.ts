/**
 * Sessions and event logs in this process's memory (no MCP_STORE_CONFIG). Maps kept in recency
 * order (a touched entry is moved to the end), so expiry looks only at the front: the session idle
 * longest, the stream silent longest. Each call first drops what has aged out, so the memory held
 * is bounded by the live sessions, at most `maxSessionsPerPrincipal` per principal.
 */
import { MAX_STREAMS_PER_SESSION, type SessionBackend, type SessionLimits, type SessionRecord, type StoredEvent, type StreamReplay } from "./types.ts";

interface HeldSession {
  record: SessionRecord;
  lastSeenMs: number;
  streamIds: Set<string>;
}

interface HeldStream {
  sessionId: string;
  seq: number;
  finished: boolean;
  events: (StoredEvent & { atMs: number })[];
  lastActivityMs: number;
  isStandalone: boolean;
}

/** Moves `key` to the end of `map` (most recent) with `value`. */
function refresh<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
}

/** A SessionBackend in memory; `now` (milliseconds) lets tests move time without waiting. */
export function createMemorySessionBackend(limits: SessionLimits, now: () => number = Date.now): SessionBackend {
  const sessions = new Map<string, HeldSession>();
  /** Per owner, their session ids, least recently seen first. */
  const byOwner = new Map<string, Map<string, true>>();
  const streams = new Map<string, HeldStream>();
  const idleMs = limits.idleSeconds * 1000;
  const eventTtlMs = limits.eventTtlSeconds * 1000;

  function dropSession(id: string): boolean {
    const session = sessions.get(id);
    if (!session) return false;
    sessions.delete(id);
    for (const streamId of session.streamIds) streams.delete(streamId);
    const owned = byOwner.get(session.record.ownerKey);
    owned?.delete(id);
    if (owned?.size === 0) byOwner.delete(session.record.ownerKey);
    return true;
  }

  function dropStream(streamId: string): void {
    const stream = streams.get(streamId);
    if (!stream) return;
    streams.delete(streamId);
    sessions.get(stream.sessionId)?.streamIds.delete(streamId);
  }

  function sweep(): void {
    const at = now();
    for (const [id, session] of sessions) {
      if (session.lastSeenMs > at - idleMs) break;
      dropSession(id);
    }
    for (const [id, stream] of streams) {
      if (stream.lastActivityMs > at - eventTtlMs) break;
      dropStream(id);
    }
  }

  function trim(stream: HeldStream, at: number): void {
    while (stream.events.length > limits.maxEvents || (stream.events[0] && stream.events[0].atMs <= at - eventTtlMs)) stream.events.shift();
  }

  function startStream(sessionId: string, streamId: string, isStandalone = false): HeldStream | undefined {
    const session = sessions.get(sessionId);
    if (!session) return undefined;
    const stream: HeldStream = { sessionId, seq: 0, finished: false, events: [], lastActivityMs: now(), isStandalone };
    streams.set(streamId, stream);
    session.streamIds.add(streamId);
    // Ended streams are kept only for resumption; past the bound the oldest of them go.
    const postStreams = () => [...session.streamIds].filter((id) => !streams.get(id)?.isStandalone);
    let excess = postStreams().length - MAX_STREAMS_PER_SESSION;
    for (const id of postStreams()) {
      if (excess <= 0) break;
      if (streams.get(id)?.finished) {
        dropStream(id);
        excess--;
      }
    }
    return stream;
  }

  return {
    async create(record) {
      sweep();
      sessions.set(record.id, { record: { ...record }, lastSeenMs: now(), streamIds: new Set() });
      const owned = byOwner.get(record.ownerKey) ?? new Map<string, true>();
      byOwner.set(record.ownerKey, owned);
      owned.set(record.id, true);
      const evicted: string[] = [];
      for (const id of owned.keys()) {
        if (owned.size <= limits.maxSessionsPerPrincipal) break;
        dropSession(id);
        evicted.push(id);
      }
      return evicted;
    },
    async touch(id) {
      sweep();
      const session = sessions.get(id);
      if (!session) return null;
      session.lastSeenMs = now();
      refresh(sessions, id, session);
      refresh(byOwner.get(session.record.ownerKey)!, id, true);
      return { ...session.record };
    },
    async update(id, fields) {
      const session = sessions.get(id);
      if (session) Object.assign(session.record, fields);
    },
    async remove(id) {
      return dropSession(id);
    },
    async openStream(sessionId, streamId, isStandalone) {
      sweep();
      startStream(sessionId, streamId, isStandalone);
    },
    async append(sessionId, streamId, data) {
      // A stream silent for the event TTL was forgotten; an event on it starts it again (its numbers from 1).
      const stream = streams.get(streamId) ?? startStream(sessionId, streamId);
      // Its session ended: the event has nobody to be kept for.
      if (!stream) return 0;
      const at = now();
      const seq = ++stream.seq;
      stream.events.push({ seq, data, atMs: at });
      stream.lastActivityMs = at;
      refresh(streams, streamId, stream);
      trim(stream, at);
      return seq;
    },
    async finish(streamId) {
      const stream = streams.get(streamId);
      if (stream) stream.finished = true;
    },
    async replay(streamId, afterSeq): Promise<StreamReplay> {
      sweep();
      const stream = streams.get(streamId);
      if (!stream) return { sessionId: null, events: [], finished: false };
      trim(stream, now());
      return { sessionId: stream.sessionId, events: stream.events.filter((event) => event.seq > afterSeq).map(({ seq, data }) => ({ seq, data })), finished: stream.finished };
    },
    get size() {
      return sessions.size;
    },
  };
}
