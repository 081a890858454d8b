/**
 * Graceful stop of `superset mcp run`: stop listening, answer every request already received,
 * end the open SSE streams, stop the scheduler and the host hub, close the database — all within
 * MCP_SHUTDOWN_TIMEOUT_SECONDS, after which whatever is still open is cut.
 */
import type { Server } from "bun";
import { Elysia } from "elysia";
import { errorResponse } from "../mcp/jsonrpc.ts";
import { log } from "../log.ts";

/** How often the drain looks at Bun's count of requests in flight: Bun has no event for it reaching zero. */
const IN_FLIGHT_POLL_MS = 20;
/** JSON-RPC 2.0 §5.1 leaves -32000 to -32099 to the server; MCP defines none for "shutting down". */
const SHUTTING_DOWN_CODE = -32000;

/** The process's stop switch: flipped once by `begin`, read by the request gate, heard by the parts that hold streams open. */
export interface ShutdownSwitch {
  readonly isDraining: boolean;
  /** Runs `listener` when the drain begins (at once when it already has). */
  onDrain(listener: () => void): void;
  begin(): void;
}

export function createShutdownSwitch(): ShutdownSwitch {
  let draining = false;
  const listeners: Array<() => void> = [];
  return {
    get isDraining() {
      return draining;
    },
    onDrain(listener) {
      if (draining) listener();
      else listeners.push(listener);
    },
    begin() {
      if (draining) return;
      draining = true;
      for (const listener of listeners.splice(0)) listener();
    },
  };
}

/** The answer to a request whose head arrived after the drain began (on a kept-alive or pipelined connection). */
export function shuttingDownResponse(): Response {
  const body = errorResponse(null, SHUTTING_DOWN_CODE, "Service Unavailable: this server is shutting down; send the request again on a new connection.");
  // Connection: close makes the client open a new connection for its retry, which reaches a server that is up.
  return new Response(JSON.stringify(body), { status: 503, headers: { "Content-Type": "application/json", Connection: "close" } });
}

/**
 * Refuses every request that arrives once the drain has begun, before any routing, body reading or
 * WebSocket upgrade (onRequest hooks are global in Elysia); requests already being handled are not affected.
 */
export const drainGate = (shutdown: ShutdownSwitch) =>
  new Elysia({ name: "drain-gate" }).onRequest(function refuseWhileDraining() {
    if (shutdown.isDraining) return shuttingDownResponse();
  });

/** What the drain stops, in order. */
export interface DrainParts {
  server: Server<unknown>;
  shutdown: ShutdownSwitch;
  scheduler: { stop(): Promise<void> } | null;
  hub: { stop(): void };
  db: { close(): Promise<void> };
  timeoutSeconds: number;
}

/** How the drain ended: whether it ran into its deadline, and how many requests and sockets were then still open and cut. */
export interface DrainOutcome {
  timedOut: boolean;
  cut: number;
}

async function untilNoRequestInFlight(server: Server<unknown>, isOver: () => boolean): Promise<void> {
  while (server.pendingRequests > 0 && !isOver()) await Bun.sleep(IN_FLIGHT_POLL_MS);
}

/**
 * Drains and stops. The host hub stays up until the HTTP requests are answered, since a tool call
 * may be waiting for a host's answer; the scheduler stops alongside, so no new run is started.
 */
export async function drain({ server, shutdown, scheduler, hub, db, timeoutSeconds }: DrainParts): Promise<DrainOutcome> {
  const startedAt = Date.now();
  log.info("Draining: no new connections; answering the requests in flight", {
    requests: server.pendingRequests,
    hostSockets: server.pendingWebSockets,
    timeoutSeconds,
  });
  shutdown.begin();
  // Without force Bun stops listening, closes idle keep-alive connections and resolves once every connection has closed.
  const closed = server.stop(false);
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      resolve();
    }, timeoutSeconds * 1000);
  });
  // A scheduler that fails to stop must not keep the database open: it is logged and the drain goes on.
  const schedulerStopped = scheduler?.stop().catch((error) => log.error("scheduler did not stop cleanly", { error: error instanceof Error ? error.stack : String(error) }));
  const drained = (async () => {
    await Promise.all([schedulerStopped, untilNoRequestInFlight(server, () => timedOut)]);
    if (timedOut) return;
    hub.stop();
    await closed;
  })();
  await Promise.race([drained, deadline]);
  clearTimeout(timer);

  let cut = 0;
  if (timedOut) {
    cut = server.pendingRequests + server.pendingWebSockets;
    log.error(`Drain timed out after ${timeoutSeconds} s (MCP_SHUTDOWN_TIMEOUT_SECONDS): cutting ${cut} connection(s) still open`, {
      cut,
      requests: server.pendingRequests,
      hostSockets: server.pendingWebSockets,
    });
    hub.stop();
    await server.stop(true);
  }
  await db.close();
  log.info("Drain finished", { timedOut, cut, durationMs: Date.now() - startedAt });
  return { timedOut, cut };
}
