/**
 * Sessions and event logs in Redis (MCP_STORE_CONFIG on), so a request with Mcp-Session-Id may land
 * on any replica. Each step is one Lua script, atomic in Redis, and each key lives under
 * CACHE_KEY_PREFIX with a TTL, so nothing outlives its bound if a replica dies mid-way:
 *
 * - `session:<id>`: a hash (owner, version, level, standalone, index), TTL = the idle timeout,
 *   restarted by every request of the session;
 * - `sessions-of:<sha256 of the owner>`: a sorted set of the owner's session ids by last use, for
 *   the per-principal cap (the one idle longest is evicted) — same TTL;
 * - `stream:<id>`: a hash (session, seq, finished) and `events:<id>`: a list of "seq at data"
 *   entries trimmed to `maxEvents`; both expire `eventTtlSeconds` after the stream's last event;
 * - `streams-of:<session id>`: a list of the session's POST streams, at most MAX_STREAMS_PER_SESSION
 *   (the oldest ended ones are deleted with their logs), same TTL.
 *
 * Times come from Redis (TIME, in microseconds), so replicas whose clocks differ agree on which
 * session is idle longest and which events are too old.
 *
 * The scripts name keys derived from stored values (the owner's index, evicted sessions), which a
 * single Redis or a primary with replicas allows; Redis Cluster is not supported.
 */
import { sha256Hex } from "../../auth/digest.ts";
import type { RedisStore } from "../../store/redis.ts";
import { LOGGING_LEVELS, MAX_STREAMS_PER_SESSION, type LoggingLevel, type SessionBackend, type SessionLimits, type SessionRecord, type StreamReplay } from "./types.ts";

/** Redis's clock in microseconds, exact in a Lua number (a double) until the year 2255. */
const NOW_US = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000000 + tonumber(t[2])`;

const CREATE = `${NOW_US}
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'version', ARGV[3], 'level', ARGV[4], 'standalone', '', 'index', KEYS[2])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[5]) * 1000000)
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[5])
local evicted = {}
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[6])
if over > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
    redis.call('DEL', ARGV[7] .. id)
    redis.call('ZREM', KEYS[2], id)
    table.insert(evicted, id)
  end
end
return evicted`;

const TOUCH = `${NOW_US}
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return fields end
redis.call('EXPIRE', KEYS[1], ARGV[2])
local index = redis.call('HGET', KEYS[1], 'index')
redis.call('ZADD', index, 'XX', now, ARGV[1])
redis.call('EXPIRE', index, ARGV[2])
return fields`;

const UPDATE = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], unpack(ARGV)) end return 0`;

const REMOVE = `
local index = redis.call('HGET', KEYS[1], 'index')
if not index then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', index, ARGV[1])
return 1`;

const OPEN_STREAM = `
redis.call('HSET', KEYS[1], 'session', ARGV[1], 'seq', 0, 'finished', 0)
redis.call('EXPIRE', KEYS[1], ARGV[2])
if ARGV[3] == '' then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[2])
local ids = redis.call('LRANGE', KEYS[2], 0, -1)
local excess = #ids - tonumber(ARGV[4])
for _, id in ipairs(ids) do
  if excess <= 0 then break end
  if redis.call('HGET', ARGV[5] .. id, 'finished') ~= '0' then
    redis.call('LREM', KEYS[2], 1, id)
    redis.call('DEL', ARGV[5] .. id, ARGV[6] .. id)
    excess = excess - 1
  end
end
return 0`;

const APPEND = `${NOW_US}
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
redis.call('HSETNX', KEYS[1], 'session', ARGV[1])
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('RPUSH', KEYS[2], seq .. ' ' .. string.format('%.0f', now) .. ' ' .. ARGV[2])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return seq`;

const FINISH = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'finished', 1) end return 0`;

const REPLAY = `${NOW_US} return {redis.call('HGET', KEYS[1], 'session'), redis.call('HGET', KEYS[1], 'finished'), redis.call('LRANGE', KEYS[2], 0, -1), string.format('%.0f', now)}`;

const sessionKey = (id: string) => `session:${id}`;
const streamKey = (id: string) => `stream:${id}`;
const eventsKey = (id: string) => `events:${id}`;

/** A hash reply (field, value, field, value…) as an object. */
function pairs(reply: unknown): Record<string, string> {
  const flat = Array.isArray(reply) ? reply.map(String) : [];
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

/** A SessionBackend over `store`'s Redis; every method rejects with StoreError when Redis fails or does not answer. */
export function createRedisSessionBackend(store: RedisStore, limits: SessionLimits): SessionBackend {
  const { idleSeconds, eventTtlSeconds } = limits;
  return {
    async create(record) {
      const index = `sessions-of:${sha256Hex(record.ownerKey)}`;
      const args = [record.id, record.ownerKey, record.protocolVersion, record.logLevel, String(idleSeconds), String(limits.maxSessionsPerPrincipal), store.keyName(sessionKey(""))];
      const evicted = await store.script(CREATE, [sessionKey(record.id), index], args);
      return Array.isArray(evicted) ? evicted.map(String) : [];
    },
    async touch(id) {
      const fields = pairs(await store.script(TOUCH, [sessionKey(id)], [id, String(idleSeconds)]));
      if (fields.owner === undefined) return null;
      const level = LOGGING_LEVELS.includes(fields.level as LoggingLevel) ? (fields.level as LoggingLevel) : "info";
      return { id, ownerKey: fields.owner, protocolVersion: fields.version ?? "", logLevel: level, standaloneStreamId: fields.standalone || null } satisfies SessionRecord;
    },
    async update(id, fields) {
      const args: string[] = [];
      if (fields.logLevel !== undefined) args.push("level", fields.logLevel);
      if (fields.standaloneStreamId !== undefined) args.push("standalone", fields.standaloneStreamId ?? "");
      if (args.length) await store.script(UPDATE, [sessionKey(id)], args);
    },
    async remove(id) {
      return Number(await store.script(REMOVE, [sessionKey(id)], [id])) === 1;
    },
    async openStream(sessionId, streamId, isStandalone) {
      // A POST stream is listed under its session, so past MAX_STREAMS_PER_SESSION the oldest ended one goes (ended or expired: not "0").
      const args = [sessionId, String(eventTtlSeconds), isStandalone ? "" : streamId, String(MAX_STREAMS_PER_SESSION), store.keyName(streamKey("")), store.keyName(eventsKey(""))];
      await store.script(OPEN_STREAM, [streamKey(streamId), `streams-of:${sessionId}`], args);
    },
    async append(sessionId, streamId, data) {
      const args = [sessionId, data, String(limits.maxEvents), String(eventTtlSeconds)];
      return Number(await store.script(APPEND, [streamKey(streamId), eventsKey(streamId), sessionKey(sessionId)], args));
    },
    async finish(streamId) {
      await store.script(FINISH, [streamKey(streamId)], []);
    },
    async replay(streamId, afterSeq): Promise<StreamReplay> {
      const [session, finished, entries, nowUs] = (await store.script(REPLAY, [streamKey(streamId), eventsKey(streamId)], [])) as [unknown, unknown, unknown, unknown];
      const oldestUs = Number(nowUs) - eventTtlSeconds * 1_000_000;
      const events = [];
      for (const entry of Array.isArray(entries) ? entries.map(String) : []) {
        const match = /^(\d+) (\d+) ([\s\S]*)$/.exec(entry);
        if (!match || Number(match[1]) <= afterSeq || Number(match[2]) <= oldestUs) continue;
        events.push({ seq: Number(match[1]), data: match[3]! });
      }
      return { sessionId: typeof session === "string" && session ? session : null, events, finished: String(finished) === "1" };
    },
    size: null,
  };
}
