/** The session registry a server runs with: over Redis when the store is on (any replica serves any session), else in memory. */
import { redisBroadcast } from "../../store/broadcast.ts";
import type { RedisStore } from "../../store/redis.ts";
import { SessionRegistry, type SessionSignal } from "../sessions.ts";
import { createMemorySessionBackend } from "./memory.ts";
import { createRedisSessionBackend } from "./redis.ts";
import type { SessionLimits } from "./types.ts";
import type { ResolvedConfig } from "../../config/schema.ts";

/** The Redis channel (under CACHE_KEY_PREFIX) of the replicas' session signals. */
export const SESSION_SIGNAL_CHANNEL = "sessions";

/** The session bounds `config` sets. */
export function sessionLimitsOf(config: ResolvedConfig): SessionLimits {
  const { event_store_max_events, event_store_ttl } = config.MCP_STORE_CONFIG;
  return { maxSessionsPerPrincipal: config.MCP_MAX_SESSIONS_PER_PRINCIPAL, idleSeconds: config.MCP_SESSION_IDLE_TIMEOUT_SECONDS, maxEvents: event_store_max_events, eventTtlSeconds: event_store_ttl };
}

/** A registry over `sharedStore` when given, else over process memory. */
export function createSessionRegistry(limits: SessionLimits, sharedStore: RedisStore | null): SessionRegistry {
  // Four times per idle timeout, at most every five minutes: a followed session never idles out between two.
  const keepAliveMs = Math.min(limits.idleSeconds / 4, 300) * 1000;
  if (!sharedStore) return new SessionRegistry(createMemorySessionBackend(limits), null, keepAliveMs);
  return new SessionRegistry(createRedisSessionBackend(sharedStore, limits), redisBroadcast<SessionSignal>(sharedStore, SESSION_SIGNAL_CHANNEL), keepAliveMs);
}
