/**
 * Host presence in Redis: for each host whose socket a replica holds, the key
 * `<prefix>:hosts:presence:<registrationId>` names that replica. The replica refreshes its keys
 * every PRESENCE_REFRESH_SECONDS with a TTL of PRESENCE_TTL_SECONDS, and removes a key when the
 * socket closes, so a replica that dies (kill -9) leaves keys that expire within the TTL.
 *
 * The newest connection wins: a hello on replica C takes the key over and learns which replica
 * held it before, so that one can let its stale socket and waiting commands go. Removal and
 * refresh only touch a key still naming this replica, so they never undo a takeover.
 *
 * Beside the keys, the sorted set `<prefix>:hosts:online` holds every present host scored by when
 * its presence lapses (Redis's clock, in ms), written in the same scripts: the fleet's count of
 * online hosts is one ZCARD after dropping lapsed members, never a scan of the keyspace.
 */
import type { RedisStore } from "../store/redis.ts";

/** How long a presence key lives unrefreshed: a dead replica's hosts are offline after at most this. */
export const PRESENCE_TTL_SECONDS = 15;
/** How often a replica refreshes the keys of its hosts (a third of the TTL, so one lost refresh is harmless). */
export const PRESENCE_REFRESH_SECONDS = 5;

const ONLINE_SET = "hosts:online";
/** ARGV[2] is the TTL in seconds; the member's score is Redis's now plus it, in ms. */
const LAPSE = "local t = redis.call('TIME') local lapse = t[1] * 1000 + math.floor(t[2] / 1000) + ARGV[2] * 1000 ";
/** SET … GET (Redis 6.2): the takeover and the previous holder in one atomic step. */
const CLAIM_SCRIPT = `${LAPSE}redis.call('ZADD', KEYS[2], lapse, ARGV[3]) return redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'GET')`;
/** DEL when the key still names this replica. */
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('ZREM', KEYS[2], ARGV[2]) return redis.call('DEL', KEYS[1]) end return 0";
/** Keeps the key naming this replica (also re-creating one lost with a Redis restart); 0 when another replica took it over. */
const REFRESH_SCRIPT = `${LAPSE}local v = redis.call('GET', KEYS[1]) if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) redis.call('ZADD', KEYS[2], lapse, ARGV[3]) return 1 end return 0`;
/** Drops the hosts whose presence lapsed (their replica died), then counts the rest. */
const COUNT_SCRIPT = "local t = redis.call('TIME') redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t[1] * 1000 + math.floor(t[2] / 1000)) return redis.call('ZCARD', KEYS[1])";

export interface HostPresence {
  /** Records that this replica holds the host's socket; resolves to the replica that held it before, if another. */
  claim(registrationId: string): Promise<string | null>;
  /** Forgets the host's key if it still names this replica. */
  release(registrationId: string): Promise<void>;
  /** Refreshes the key; false when another replica holds the host now. */
  refresh(registrationId: string): Promise<boolean>;
  /** The replica that holds the host's socket, or null when none does. */
  holder(registrationId: string): Promise<string | null>;
  /** How many hosts some replica holds, across the fleet (one replica's killed hosts count until their TTL lapses). */
  onlineCount(): Promise<number>;
}

export function createHostPresence(store: RedisStore, replicaId: string): HostPresence {
  const key = (registrationId: string) => `hosts:presence:${registrationId}`;
  const ttl = String(PRESENCE_TTL_SECONDS);
  return {
    async claim(registrationId) {
      const previous = await store.script(CLAIM_SCRIPT, [key(registrationId), ONLINE_SET], [replicaId, ttl, registrationId]);
      return typeof previous === "string" && previous !== replicaId ? previous : null;
    },
    async release(registrationId) {
      await store.script(RELEASE_SCRIPT, [key(registrationId), ONLINE_SET], [replicaId, registrationId]);
    },
    async refresh(registrationId) {
      return Number(await store.script(REFRESH_SCRIPT, [key(registrationId), ONLINE_SET], [replicaId, ttl, registrationId])) === 1;
    },
    async holder(registrationId) {
      return (await store.get(key(registrationId))) || null;
    },
    async onlineCount() {
      return Number(await store.script(COUNT_SCRIPT, [ONLINE_SET], []));
    },
  };
}
