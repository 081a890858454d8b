/**
 * Whether a replica that routed a host call is still alive: each replica with host routing keeps
 * the key `<prefix>:hosts:replica-alive:<replicaId>`, written at start and every
 * PRESENCE_REFRESH_SECONDS with a TTL of CALLER_ALIVE_TTL_SECONDS, and deleted when it closes. A
 * replica killed with kill -9 leaves a key that lapses within the TTL; the replica serving its
 * calls sees it gone at its next check (every CALLER_CHECK_MS) and aborts the host's work, as a
 * client's cancel would. So work for a dead caller stops within CALLER_ABANDONED_WITHIN_SECONDS.
 */
import type { RedisStore } from "../store/redis.ts";
import { PRESENCE_TTL_SECONDS } from "./presence.ts";

/** How long a replica's liveness key lives unrefreshed (as long as its hosts' presence). */
export const CALLER_ALIVE_TTL_SECONDS = PRESENCE_TTL_SECONDS;
/** How often the serving replica checks the callers of the routed calls it runs. */
export const CALLER_CHECK_MS = 3_000;
/** The documented bound: a caller killed mid-call has its host work aborted within this (TTL, one check, a second for the round trips). */
export const CALLER_ABANDONED_WITHIN_SECONDS = CALLER_ALIVE_TTL_SECONDS + CALLER_CHECK_MS / 1000 + 1;

const aliveKey = (replicaId: string) => `hosts:replica-alive:${replicaId}`;

export interface ReplicaLiveness {
  /** Writes (or re-writes) this replica's key. */
  beat(): Promise<void>;
  /** Removes this replica's key (it is closing: its own calls were already aborted). */
  end(): Promise<void>;
  /** Of `replicaIds`, those whose key is gone; rejects when Redis does not answer (then nobody is judged gone). */
  gone(replicaIds: readonly string[]): Promise<string[]>;
}

export function createReplicaLiveness(store: RedisStore, replicaId: string): ReplicaLiveness {
  return {
    beat: () => store.set(aliveKey(replicaId), "1", CALLER_ALIVE_TTL_SECONDS),
    end: () => store.delete(aliveKey(replicaId)),
    async gone(replicaIds) {
      const values = await Promise.all(replicaIds.map((id) => store.get(aliveKey(id))));
      return replicaIds.filter((_, index) => values[index] === null);
    },
  };
}
