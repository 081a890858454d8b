/**
 * The Store over Redis (docs/configuration.md#store), through Bun's built-in client: replicas that share one
 * Redis share every key. Each key is `<prefix>:<key>`, the prefix being CACHE_KEY_PREFIX, so
 * several deployments can share one Redis. Each method is one atomic Redis command (GET, SET … EX,
 * DEL, and one script for INCR with the TTL of a new key), and each waits a bounded time: a Redis
 * that stops answering fails the call instead of holding the request.
 *
 * A lost connection is retried by the client with its backoff; meanwhile commands fail at once
 * (no offline queue), so callers get an error to handle (rate limits fail open, the cache runs the
 * tool, tasks answer a JSON-RPC error) rather than a queue that grows until Redis returns.
 */
import { RedisClient } from "bun";
import { StoreError, type Store } from "./types.ts";
import { log } from "../log.ts";

/** How a Redis store connects and how long its commands may take. */
export interface RedisStoreOptions {
  /** CACHE_REDIS_URL: redis:// or rediss:// (TLS, the server certificate verified). */
  url: string;
  /** CACHE_KEY_PREFIX (or its default): every key is stored as `<keyPrefix>:<key>`. */
  keyPrefix: string;
  /** How long a command may wait for its answer before it fails (default 2 s). */
  commandTimeoutMs?: number;
  /** How long the first connection may take before start-up gives up (default 5 s). */
  connectTimeoutMs?: number;
}

/** A Store in Redis, with what readiness, shutdown and the shared sessions need. */
export interface RedisStore extends Store {
  /** The name Redis holds `key` under (`<prefix>:<key>`), for a script that names keys it derives. */
  keyName(key: string): string;
  /** Runs a Lua script atomically; each of `keys` is named as keyName gives it, `args` are passed as they are. */
  script(source: string, keys: string[], args: string[]): Promise<unknown>;
  /** Publishes `message` on the channel `<prefix>:<channel>` to every replica subscribed to it; resolves to how many subscribers got it. */
  publish(channel: string, message: string): Promise<number>;
  /** Calls `listener` with every message published on `<prefix>:<channel>`, over a connection of its own (a subscribed connection takes no other command). */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  /** Resolves once every subscribe asked for so far was answered or failed (start-up waits for it before listening). */
  subscribed(): Promise<void>;
  /** Resolves when Redis answers PING within `timeoutMs`; rejects otherwise. */
  ping(timeoutMs: number): Promise<void>;
  /** Closes the connection; later commands fail. */
  close(): void;
}

/** INCR, and the TTL for a key that has none (one just created): EXPIRE NX, also on Redis before 7. */
const INCREMENT_SCRIPT = "local n = redis.call('INCR', KEYS[1]) if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n";
/** The key prefix when CACHE_KEY_PREFIX is not set. */
export const DEFAULT_STORE_KEY_PREFIX = "superset";
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Reconnection attempts while running: enough for hours of an outage at the client's capped backoff. */
const RECONNECT_ATTEMPTS = 1_000_000;

/** The URL without its password, fit for a message or a log line. */
export function redactedRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(not a URL)";
  }
}

/** Rejects with `message` once `ms` pass; the timer never keeps the process alive. */
function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function clientOptions(url: string, reconnect: boolean, connectTimeoutMs: number) {
  // rediss:// must verify the certificate; said explicitly so no default can turn it off.
  const tls = url.startsWith("rediss://") ? { tls: { rejectUnauthorized: true } } : {};
  return { connectionTimeout: connectTimeoutMs, autoReconnect: reconnect, maxRetries: reconnect ? RECONNECT_ATTEMPTS : 0, enableOfflineQueue: false, ...tls };
}

/**
 * Connects to `url` and returns the store; rejects with the reason when Redis cannot be reached
 * within `connectTimeoutMs` (the caller words the start-up refusal).
 */
export async function connectRedisStore({ url, keyPrefix, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS }: RedisStoreOptions): Promise<RedisStore> {
  if (!/^rediss?:\/\//.test(url)) throw new Error(`${redactedRedisUrl(url)} is not a redis:// or rediss:// URL.`);
  if (!keyPrefix) throw new Error("The Redis key prefix must not be empty.");
  // A first connection without retries: a closed port or a refused password fails at once, where the
  // retrying client would keep trying in the background and start-up would only see its deadline.
  const probe = new RedisClient(url, clientOptions(url, false, connectTimeoutMs));
  try {
    await withDeadline(probe.connect(), connectTimeoutMs, `no answer within ${connectTimeoutMs} ms`);
    await withDeadline(probe.send("PING", []), commandTimeoutMs, `no answer to PING within ${commandTimeoutMs} ms`);
  } finally {
    probe.close();
  }
  const client = new RedisClient(url, clientOptions(url, true, connectTimeoutMs));
  try {
    await withDeadline(client.connect(), connectTimeoutMs, `no answer within ${connectTimeoutMs} ms`);
  } catch (error) {
    client.close();
    throw error;
  }

  const command = (name: string, args: string[], timeoutMs = commandTimeoutMs) =>
    withDeadline(client.send(name, args), timeoutMs, `no answer within ${timeoutMs} ms`).catch((error: unknown) => {
      throw new StoreError(`Redis ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  const full = (key: string) => `${keyPrefix}:${key}`;
  // Scripts go by their SHA1 (EVALSHA) so the source is not sent and compiled per call; a Redis
  // that does not know the script yet (first call, restart, SCRIPT FLUSH) answers NOSCRIPT and
  // gets the source once with EVAL, which also caches it there.
  const digests = new Map<string, string>();
  const runScript = async (source: string, tail: string[]): Promise<unknown> => {
    let digest = digests.get(source);
    if (!digest) digests.set(source, (digest = new Bun.CryptoHasher("sha1").update(source).digest("hex")));
    try {
      return await command("EVALSHA", [digest, ...tail]);
    } catch (error) {
      if (!(error instanceof StoreError && error.message.includes("NOSCRIPT"))) throw error;
      return command("EVAL", [source, ...tail]);
    }
  };
  // Made at the first subscribe. Bun's client reconnects by itself but does not subscribe again,
  // so each reconnection repeats every subscription (a message published meanwhile is lost).
  let subscriber: Promise<RedisClient> | null = null;
  const pending = new Set<Promise<unknown>>();
  const channels = new Map<string, (message: string) => void>();
  const subscribeOn = (connection: RedisClient, channel: string, listener: (message: string) => void) =>
    withDeadline(connection.subscribe(full(channel), listener), commandTimeoutMs, `no answer to SUBSCRIBE within ${commandTimeoutMs} ms`);

  return {
    async get(key) {
      const value: unknown = await command("GET", [full(key)]);
      return value === null || value === undefined ? null : String(value);
    },
    async set(key, value, ttlSeconds) {
      await command("SET", [full(key), value, "EX", String(ttlSeconds)]);
    },
    async delete(key) {
      await command("DEL", [full(key)]);
    },
    async increment(key, ttlSeconds) {
      return Number(await runScript(INCREMENT_SCRIPT, ["1", full(key), String(ttlSeconds)]));
    },
    async ping(timeoutMs) {
      await command("PING", [], timeoutMs);
    },
    keyName: full,
    script(source, keys, args) {
      return runScript(source, [String(keys.length), ...keys.map(full), ...args]);
    },
    async publish(channel, message) {
      return Number(await command("PUBLISH", [full(channel), message]));
    },
    subscribe(channel, listener) {
      // One listener per channel: Redis channels here belong to one Broadcast each.
      if (channels.has(channel)) return Promise.reject(new Error(`Already subscribed to ${channel}.`));
      subscriber ??= (async () => {
        const connection = new RedisClient(url, clientOptions(url, true, connectTimeoutMs));
        await withDeadline(connection.connect(), connectTimeoutMs, `no answer within ${connectTimeoutMs} ms`);
        connection.onconnect = () => {
          // The client still holds the listeners the lost connection had: dropped first, so a message is heard once.
          for (const [name, handler] of channels)
            void withDeadline(connection.unsubscribe(full(name)), commandTimeoutMs, "no answer to UNSUBSCRIBE")
              .then(() => subscribeOn(connection, name, handler))
              .catch((error: unknown) => log.warn("cannot subscribe again after a reconnection", { channel: name, error: String(error) }));
        };
        return connection;
      })().catch((error: unknown) => {
        subscriber = null; // the next subscribe tries again
        throw error;
      });
      channels.set(channel, listener);
      const done = subscriber.then((connection) => subscribeOn(connection, channel, listener)).then(() => undefined);
      pending.add(done);
      void done.catch(() => undefined).finally(() => pending.delete(done));
      return done;
    },
    async subscribed() {
      await Promise.allSettled([...pending]);
    },
    close() {
      client.close();
      void subscriber?.then(
        (connection) => connection.close(),
        () => undefined,
      );
    },
  };
}
