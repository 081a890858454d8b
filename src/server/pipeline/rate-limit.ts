/**
 * Step 2 of the MCP pipeline (auth.md): at most `requests` requests per `windowSeconds` for each
 * caller, counted in the Store so that replicas sharing Redis share the count.
 *
 * The caller is its credential (the SHA-256 of the bearer token or X-API-Key, so no token is kept),
 * else its client address (client-address.ts). The limit runs before authentication, so a bad token is counted too, under its
 * own hash; the bounded store keeps a flood of invented tokens from growing memory.
 *
 * The window slides by the weighted two-window counter: each fixed window of `windowSeconds` has a
 * counter, and a request sees `previous × (share of the previous window still inside the sliding
 * window) + current`. Refused requests are counted as well (one INCR per request, atomic with no
 * read-modify-write), so a client that ignores Retry-After stays limited until it slows down.
 *
 * A store that fails (Redis down) lets the request through without RateLimit headers and logs a
 * warning: refusing every request while Redis is away would turn its outage into the server's.
 */
import { Elysia } from "elysia";
import type { BlockList } from "node:net";
import type { Server } from "bun";
import { readCredential } from "../../auth/credentials.ts";
import { sha256Hex } from "../../auth/digest.ts";
import type { Store } from "../../store/types.ts";
import { clientAddress } from "./client-address.ts";
import { log } from "../../log.ts";

/** MCP_RATE_LIMIT with the store that holds the counters. */
export interface RateLimitOptions {
  /** False: the plugin adds no hook and no header. */
  enabled: boolean;
  /** Requests allowed per sliding window. */
  requests: number;
  windowSeconds: number;
  store: Store;
  /** The clock in milliseconds; tests pass their own to slide the window without sleeping. */
  now?: () => number;
  /** Names the limit, so one app can hold several (the MCP endpoint's, client registration's) with separate counters. */
  name?: string;
  /** MCP_TRUSTED_PROXIES (trustedProxyList): the peers whose forwarding headers name the client address. */
  trustedProxies: BlockList;
  /** Called for each refused request (metrics count them). */
  onRefused?: () => void;
}

const KEY_PREFIX = "rate-limit";
/** At most one fail-open warning per limit in this time: during an outage every request would log one. */
const FAIL_OPEN_WARNING_INTERVAL_MS = 10_000;
const MS_PER_SECOND = 1000;

/** The bucket a request is counted in: one per credential, else one per address. */
export function rateLimitBucket(request: Request, server: Server<unknown> | null | undefined, trustedProxies: BlockList): string {
  // The credential exactly as authentication reads it (auth.md §Credentials); a malformed one counts against the address.
  const credential = readCredential(request);
  return credential.kind === "token" ? `credential:${sha256Hex(credential.token)}` : `address:${clientAddress(request, server, trustedProxies)}`;
}

/** Where a bucket stands after counting one request. */
interface WindowState {
  previous: number;
  current: number;
  nowMs: number;
  windowStartMs: number;
}

/**
 * Milliseconds until one more request would be allowed, if none arrives meanwhile: until the
 * previous window's weighted share has faded enough, or, when the current window alone is full,
 * into the next window, where the current count becomes the fading one.
 */
function msUntilAllowed({ previous, current, nowMs, windowStartMs }: WindowState, limit: number, windowMs: number): number {
  if (current + 1 <= limit) {
    const elapsedShareNeeded = 1 - (limit - current - 1) / previous;
    return Math.max(0, windowStartMs + elapsedShareNeeded * windowMs - nowMs);
  }
  const elapsedShareNeeded = Math.max(0, 1 - (limit - 1) / current);
  return windowStartMs + windowMs + elapsedShareNeeded * windowMs - nowMs;
}

const toSeconds = (ms: number) => Math.max(1, Math.ceil(ms / MS_PER_SECOND));

/**
 * The rate-limit plugin: its hook is scoped, so it guards the routes of the plugin that uses it.
 * Every answer of those routes, including one a later hook returns as a Response or an error,
 * carries RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset and RateLimit-Policy (`600;w=60`).
 * Reset is the seconds until the current fixed window ends (when the requests counted so far start
 * to fade), or, once limited, the seconds until a request is allowed again. Over the limit the
 * answer is 429 with Retry-After and `{"error":{"code":"RATE_LIMITED",message,hint}}`.
 */
export function rateLimit(options: RateLimitOptions) {
  const { enabled, requests: limit, windowSeconds, store, now = Date.now, name = "mcp", trustedProxies, onRefused } = options;
  const plugin = new Elysia({ name: `rate-limit:${name}`, seed: { enabled, limit, windowSeconds } });
  const prefix = name === "mcp" ? KEY_PREFIX : `${KEY_PREFIX}:${name}`;
  if (!enabled) return plugin;
  const windowMs = windowSeconds * MS_PER_SECOND;
  const policy = `${limit};w=${windowSeconds}`;
  let lastWarningMs = -Infinity;

  return plugin.onBeforeHandle({ as: "scoped" }, async function limitRequestRate({ request, server, set }) {
    const bucket = rateLimitBucket(request, server, trustedProxies);
    const nowMs = now();
    const windowIndex = Math.floor(nowMs / windowMs);
    const windowStartMs = windowIndex * windowMs;
    // The counter must outlive its own window: it is the previous window's count during the next.
    let current: number;
    let previousText: string | null;
    try {
      [current, previousText] = await Promise.all([store.increment(`${prefix}:${bucket}:${windowIndex}`, 2 * windowSeconds), store.get(`${prefix}:${bucket}:${windowIndex - 1}`)]);
    } catch (error) {
      if (nowMs - lastWarningMs >= FAIL_OPEN_WARNING_INTERVAL_MS) {
        lastWarningMs = nowMs;
        log.warn("rate limit not applied: the store does not answer", { limit: name, error: error instanceof Error ? error.message : String(error) });
      }
      return;
    }
    const previous = Number(previousText ?? 0) || 0;
    const used = previous * (1 - (nowMs - windowStartMs) / windowMs) + current;
    const limited = used > limit;
    const resetSeconds = limited ? toSeconds(msUntilAllowed({ previous, current, nowMs, windowStartMs }, limit, windowMs)) : toSeconds(windowStartMs + windowMs - nowMs);

    set.headers["RateLimit-Limit"] = String(limit);
    set.headers["RateLimit-Remaining"] = String(Math.max(0, Math.floor(limit - used)));
    set.headers["RateLimit-Reset"] = String(resetSeconds);
    set.headers["RateLimit-Policy"] = policy;
    if (!limited) return;
    onRefused?.();

    const error = {
      code: "RATE_LIMITED",
      message: `Too many requests: this server allows ${limit} requests per ${windowSeconds} seconds for each credential or client address.`,
      hint: `Wait ${resetSeconds} seconds (Retry-After) before retrying, and space out calls; batch work into fewer tool calls where a tool accepts filters or larger pages.`,
    };
    return new Response(JSON.stringify({ error }), {
      status: 429,
      headers: { "Content-Type": "application/json", "Retry-After": String(resetSeconds) },
    });
  });
}
