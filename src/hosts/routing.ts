/**
 * Host-command routing between replicas over Redis (MCP_STORE_CONFIG on): any replica serves a
 * host tool call for a host whose WebSocket another replica holds. Presence (presence.ts) says
 * which replica holds each host; each replica listens on its own channel
 * `<prefix>:hosts:replica:<replicaId>` (routing-messages.ts, over the store's pub/sub) for calls to serve, aborts, answers
 * to its own calls (routing-caller.ts) and word that one of its hosts moved to another replica.
 *
 * The serving side runs a routed call exactly like a local one, through the hub, so the host
 * protocol (ids, re-sends on reconnect, abort frames, timeouts) is the same; progress and the
 * result are published back to the caller's channel. A routed call whose caller died (its liveness
 * key lapsed, replica-liveness.ts) is aborted on the host like a cancelled one.
 */
import { log } from "../log.ts";
import { ServiceError } from "../services/errors.ts";
import type { HostRegistration } from "../services/hosts.ts";
import type { RedisStore } from "../store/redis.ts";
import type { CommandOptions } from "./command-options.ts";
import { createHostPresence, PRESENCE_REFRESH_SECONDS } from "./presence.ts";
import { CALLER_ABANDONED_WITHIN_SECONDS, CALLER_CHECK_MS, createReplicaLiveness } from "./replica-liveness.ts";
import type { CommandName } from "./protocol.ts";
import { createRoutingCaller, type HostSentences } from "./routing-caller.ts";
import { parseRoutedMessage, replicaChannel, ROUTED_MESSAGE_MAX_BYTES, type RoutedMessage } from "./routing-messages.ts";

/** How long close() waits for the last answers to go out. */
const PING_TIMEOUT_MS = 1_000;

/** A command for a host whose socket is not on this replica: the serving side answers `offline` to its caller. */
export class HostNotHereError extends Error {
  override name = "HostNotHereError";
}

/** What the router needs of the local hub. */
export interface LocalHosts extends HostSentences {
  /** Runs a command on a host connected to this replica; rejects with HostNotHereError when it is not. */
  commandHere(registrationId: string, name: CommandName, params: unknown, options: CommandOptions): Promise<unknown>;
  /** Another replica holds the host now: close its stale socket here and fail its waiting commands. */
  release(registrationId: string): void;
}

/** The hub's way to other replicas' hosts. */
export interface HostRouter {
  readonly replicaId: string;
  /** Gives the router the hub it serves routed calls with; called once, by createHostHub. */
  bind(local: LocalHosts): void;
  /** A host's socket was accepted here. */
  attached(registrationId: string): void;
  /** A host's socket here closed. */
  detached(registrationId: string): void;
  /** Whether another replica holds the host's socket (false, with a warning, when Redis does not answer). */
  isOnlineElsewhere(registrationId: string): Promise<boolean>;
  /** How many hosts are online across every replica (presence in Redis); rejects when Redis does not answer. */
  fleetOnlineCount(): Promise<number>;
  /** Runs a command on a host another replica holds; a sentence when none does or it cannot be reached. */
  command(host: HostRegistration, name: CommandName, params: unknown, options: CommandOptions): Promise<unknown>;
  /** Fails this replica's waiting calls and gives up the presence of its hosts (the store, closed by its owner, stops the listening). */
  close(): Promise<void>;
}

export interface HostRouterOptions {
  /** The shared store: its keys hold presence, its pub/sub carries the calls. */
  store: RedisStore;
  /** HOST_COMMAND_TIMEOUT in ms, for calls given no timeout of their own. */
  defaultTimeoutMs: number;
  replicaId?: string;
}

/** Subscribes this replica's channel and returns its router. */
export async function createHostRouter({ store, defaultTimeoutMs, replicaId = crypto.randomUUID() }: HostRouterOptions): Promise<HostRouter> {
  const presence = createHostPresence(store, replicaId);
  const liveness = createReplicaLiveness(store, replicaId);
  let local: LocalHosts | null = null;
  const hub = () => {
    if (!local) throw new Error("The host router was not bound to a hub (createHostHub binds it).");
    return local;
  };
  const caller = createRoutingCaller({ store, presence, replicaId, defaultTimeoutMs, sentences: hub });
  /** Registration ids of the hosts whose socket this replica holds, for the refresh and the goodbye. */
  const held = new Set<string>();
  /** Routed calls this replica serves, by call id, so an abort reaches the command; `watchedCaller` when the caller keeps a liveness key. */
  const serving = new Map<string, { controller: AbortController; watchedCaller: string | null }>();
  let closed = false;

  const reply = (to: string, message: RoutedMessage) => {
    let text = JSON.stringify(message);
    if (text.length > ROUTED_MESSAGE_MAX_BYTES && message.type === "result") {
      text = JSON.stringify({
        type: "result",
        callId: message.callId,
        ok: false,
        error: { kind: "failed", message: `The host's answer is larger than ${ROUTED_MESSAGE_MAX_BYTES} bytes, too large to carry between replicas; ask for less (e.g. fewer lines).` },
      });
    }
    void store
      .publish(replicaChannel(to), text)
      .catch((error) => log.warn("could not answer a routed host call", { to, callId: "callId" in message ? message.callId : undefined, error: String(error) }));
  };

  function failure(error: unknown): Extract<RoutedMessage, { type: "result"; ok: false }>["error"] {
    if (error instanceof HostNotHereError) return { kind: "offline", message: error.message };
    if (error instanceof ServiceError) return { kind: error.kind, message: error.message };
    const callId = crypto.randomUUID();
    log.error("a routed host call failed", { callId, error: error instanceof Error ? error.stack : String(error) });
    return { kind: "failed", message: `The replica holding the host failed (call id ${callId}); see its log.` };
  }

  function serve(message: Extract<RoutedMessage, { type: "call" }>): void {
    const controller = new AbortController();
    serving.set(message.callId, { controller, watchedCaller: message.callerKeepsAlive ? message.replyTo : null });
    const onProgress = (progress: number, total?: number, text?: string) =>
      reply(message.replyTo, { type: "progress", callId: message.callId, progress, ...(total !== undefined && { total }), ...(text !== undefined && { message: text }) });
    hub()
      .commandHere(message.registrationId, message.name, message.params, { timeoutMs: message.timeoutMs, signal: controller.signal, onProgress })
      .then(
        (result) => reply(message.replyTo, { type: "result", callId: message.callId, ok: true, result }),
        // An aborted call was already failed by its caller, who expects nothing more.
        (error) => controller.signal.aborted || reply(message.replyTo, { type: "result", callId: message.callId, ok: false, error: failure(error) }),
      )
      .finally(() => serving.delete(message.callId));
  }

  function receive(raw: string): void {
    const message = parseRoutedMessage(raw);
    if (!message) return log.warn("dropped a malformed routed host message", { bytes: raw.length });
    if (message.type === "call") return serve(message);
    if (message.type === "abort") return serving.get(message.callId)?.controller.abort();
    if (message.type === "moved") {
      held.delete(message.registrationId);
      return hub().release(message.registrationId);
    }
    caller.receive(message);
  }

  /** Keeps the keys of this replica's hosts alive; a key another replica took means the host moved there. */
  async function refresh(): Promise<void> {
    await Promise.all(
      [...held].map(async (registrationId) => {
        try {
          if (await presence.refresh(registrationId)) return;
          held.delete(registrationId);
          hub().release(registrationId);
        } catch (error) {
          log.warn("could not refresh host presence in Redis", { registrationId, error: String(error) });
        }
      }),
    );
  }
  const refresher = setInterval(() => {
    void refresh();
    void liveness.beat().catch((error) => log.warn("could not refresh this replica's liveness key in Redis", { error: String(error) }));
  }, PRESENCE_REFRESH_SECONDS * 1000);
  refresher.unref?.();

  /** Aborts the routed calls whose caller's liveness key lapsed: nobody waits for them any more. */
  async function abandonOrphans(): Promise<void> {
    const callers = new Set<string>();
    for (const { watchedCaller } of serving.values()) if (watchedCaller) callers.add(watchedCaller);
    if (callers.size === 0) return;
    let gone: string[];
    try {
      gone = await liveness.gone([...callers]);
    } catch (error) {
      // Without Redis nobody can tell; the caller's own checks fail its calls meanwhile.
      return log.warn("could not check the liveness of calling replicas in Redis", { error: String(error) });
    }
    for (const [callId, call] of serving) {
      if (!call.watchedCaller || !gone.includes(call.watchedCaller)) continue;
      log.warn("the replica that routed a host call is gone; aborting the call on the host", { callId, caller: call.watchedCaller, withinSeconds: CALLER_ABANDONED_WITHIN_SECONDS });
      call.controller.abort();
    }
  }
  const orphanCheck = setInterval(() => void abandonOrphans(), CALLER_CHECK_MS);
  orphanCheck.unref?.();

  // Before the subscription, so no call this replica makes can reach a holder ahead of its key.
  await liveness.beat();
  await store.subscribe(replicaChannel(replicaId), receive);
  log.info("host routing between replicas on", { replicaId });

  return {
    replicaId,
    bind(hosts) {
      local = hosts;
    },
    attached(registrationId) {
      held.add(registrationId);
      void presence
        .claim(registrationId)
        .then(async (previous) => {
          if (previous) await store.publish(replicaChannel(previous), JSON.stringify({ type: "moved", registrationId } satisfies RoutedMessage));
        })
        // The refresh re-creates the key once Redis answers again.
        .catch((error) => log.warn("could not record host presence in Redis", { registrationId, error: String(error) }));
    },
    detached(registrationId) {
      held.delete(registrationId);
      void presence.release(registrationId).catch((error) => log.warn("could not remove host presence from Redis", { registrationId, error: String(error) }));
    },
    async isOnlineElsewhere(registrationId) {
      try {
        const holder = await presence.holder(registrationId);
        return holder !== null && holder !== replicaId;
      } catch (error) {
        log.warn("could not read host presence from Redis; counting the host offline", { registrationId, error: String(error) });
        return false;
      }
    },
    fleetOnlineCount: () => presence.onlineCount(),
    command: (host, name, params, options) => caller.command(host, name, params, options),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(refresher);
      clearInterval(orphanCheck);
      caller.stop(
        (host, name) =>
          new ServiceError(
            "unavailable",
            `${hub().label(host)} could not answer ${name}: this server is shutting down; the host may still be working, so check with workspaces_list or terminals_list.`,
          ),
      );
      await Promise.allSettled([...held].map((registrationId) => presence.release(registrationId)).concat(liveness.end()));
      held.clear();
      // Commands on the store's connection are answered in order: PING's answer means the aborts and answers above went out.
      await store.ping(PING_TIMEOUT_MS).catch(() => undefined);
    },
  };
}
