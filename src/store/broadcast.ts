/**
 * Messages every replica hears: within one process a plain list of listeners; with the Redis store
 * a pub/sub channel, so a change on one replica reaches the streams another one holds. A message
 * published while a replica's subscription is down is not seen by it (pub/sub keeps nothing); what
 * must survive that lives in the store itself (session records, event logs).
 */
import { log } from "../log.ts";
import type { RedisStore } from "./redis.ts";

/** One kind of message, told to every subscriber on every replica (the publisher's own included). */
export interface Broadcast<T> {
  /** Tells `message` to every subscriber; rejects (StoreError) when Redis did not take it. */
  publish(message: T): Promise<void>;
  /** Calls `listener` with each message published from now on. */
  subscribe(listener: (message: T) => void): void;
  /** Resolves once messages published from now on reach this process's subscribers (a Redis SUBSCRIBE has been answered). */
  whenSubscribed(): Promise<void>;
}

/** A broadcast within this process: publish calls the listeners before it returns. */
export function localBroadcast<T>(): Broadcast<T> {
  const listeners: ((message: T) => void)[] = [];
  return {
    async publish(message) {
      for (const listener of listeners) listener(message);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    async whenSubscribed() {},
  };
}

/** A broadcast over the Redis channel `<prefix>:<channel>`, as JSON. */
export function redisBroadcast<T>(store: RedisStore, channel: string): Broadcast<T> {
  const listeners: ((message: T) => void)[] = [];
  let subscribed: Promise<void> | null = null;
  const deliver = (text: string) => {
    let message: T;
    try {
      message = JSON.parse(text) as T;
    } catch {
      return log.warn("a broadcast message that is not JSON was ignored", { channel });
    }
    for (const listener of listeners) listener(message);
  };
  return {
    async publish(message) {
      await store.publish(channel, JSON.stringify(message));
    },
    subscribe(listener) {
      listeners.push(listener);
      subscribed ??= store.subscribe(channel, deliver).catch((error: unknown) => {
        subscribed = null;
        log.error("cannot subscribe to a Redis channel: other replicas' messages will not reach this one", { channel, error: String(error) });
      });
    },
    async whenSubscribed() {
      await subscribed;
    },
  };
}
