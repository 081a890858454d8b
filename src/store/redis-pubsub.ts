/**
 * Redis pub/sub and plain commands for messages between replicas (host-command routing), on two
 * connections of their own beside the Store's: a subscribed Redis connection may run no other
 * command. Channel and key names get the CACHE_KEY_PREFIX like every Store key.
 *
 * Bun's client reconnects a lost connection with its backoff but does not subscribe again, so the
 * subscriber subscribes every channel afresh on each reconnect (dropping the listener first, or it
 * would be called twice per message). Messages published while Redis was away are lost; the
 * callers' own deadlines cover that. Every command waits a bounded time and fails with StoreError.
 */
import { RedisClient } from "bun";
import { log } from "../log.ts";
import { clientOptions, redactedRedisUrl, withDeadline } from "./redis.ts";
import { StoreError } from "./types.ts";

export interface RedisBusOptions {
  url: string;
  keyPrefix: string;
  /** How long a command may wait for its answer (default 2 s). */
  commandTimeoutMs?: number;
  /** How long each first connection may take (default 5 s). */
  connectTimeoutMs?: number;
}

export type BusListener = (message: string) => void;

/** Publish/subscribe on prefixed channels, and bounded commands on prefixed keys. */
export interface RedisBus {
  /** `<prefix>:<name>`: what a key or channel is called in Redis. */
  name(name: string): string;
  /** Publishes to channel `name`; resolves to how many subscribers got it (0: nobody listens there now). */
  publish(channel: string, message: string): Promise<number>;
  /** Calls `listener` with each message on channel `name`, also after Redis comes back. */
  subscribe(channel: string, listener: BusListener): Promise<void>;
  /** One Redis command; keys in `args` must already be full names (see `name`). */
  send(command: string, args: string[]): Promise<unknown>;
  close(): void;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export async function connectRedisBus({ url, keyPrefix, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS }: RedisBusOptions): Promise<RedisBus> {
  if (!keyPrefix) throw new Error("The Redis key prefix must not be empty.");
  const commands = new RedisClient(url, clientOptions(url, true, connectTimeoutMs));
  const subscriber = new RedisClient(url, clientOptions(url, true, connectTimeoutMs));
  try {
    await Promise.all([commands, subscriber].map((client) => withDeadline(client.connect(), connectTimeoutMs, `no answer within ${connectTimeoutMs} ms`)));
  } catch (error) {
    commands.close();
    subscriber.close();
    throw error;
  }
  const bounded = <T>(what: string, promise: Promise<T>): Promise<T> =>
    withDeadline(promise, commandTimeoutMs, `no answer within ${commandTimeoutMs} ms`).catch((error: unknown) => {
      throw new StoreError(`Redis ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  const full = (name: string) => `${keyPrefix}:${name}`;
  const listeners = new Map<string, BusListener>();
  let closed = false;

  // Set after the first connection, so it runs on reconnects only.
  subscriber.onconnect = () => {
    if (closed) return;
    for (const [channel, listener] of listeners) {
      void subscriber
        .unsubscribe(channel, listener)
        .catch(() => undefined)
        .then(() => subscriber.subscribe(channel, listener))
        .then(() => log.info("redis subscription restored", { channel }))
        .catch((error) => log.warn("could not subscribe again after Redis came back", { channel, url: redactedRedisUrl(url), error: String(error) }));
    }
  };

  return {
    name: full,
    publish: (channel, message) => bounded("PUBLISH", commands.publish(full(channel), message)),
    async subscribe(channel, listener) {
      const name = full(channel);
      listeners.set(name, listener);
      await bounded("SUBSCRIBE", subscriber.subscribe(name, listener));
    },
    send: (command, args) => bounded(command, commands.send(command, args)),
    close() {
      closed = true;
      commands.close();
      subscriber.close();
    },
  };
}
