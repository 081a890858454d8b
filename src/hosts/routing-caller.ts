/**
 * The calling side of host-command routing: a command for a host whose socket another replica
 * holds is published to that replica's channel, and its progress and result come back on this
 * replica's. Every call ends, within bounded time, in a result or a sentence:
 *   - nobody listens on the holder's channel (it just died): at once;
 *   - the holder stops holding the host (its presence key expired because it died, or the agent
 *     reconnected elsewhere): at the next liveness check, every LIVENESS_CHECK_MS;
 *   - no answer or progress for the command's timeout plus a grace (the holder's own timeout,
 *     which says more, normally answers first);
 *   - the caller goes away: cancelled at once, and the holder is told to abort the command;
 *   - this replica dies (kill -9): the holder sees its liveness key lapse and aborts the command
 *     on the host (replica-liveness.ts);
 *   - Redis does not answer: at once, naming the store.
 */
import * as v from "valibot";
import { log } from "../log.ts";
import { ServiceError } from "../services/errors.ts";
import type { HostRegistration } from "../services/hosts.ts";
import type { RedisStore } from "../store/redis.ts";
import type { CommandOptions, Progress } from "./command-options.ts";
import type { HostPresence } from "./presence.ts";
import { COMMANDS, type CommandName } from "./protocol.ts";
import { replicaChannel, type RoutedMessage } from "./routing-messages.ts";

/** How often a waiting caller checks that the replica it called still holds the host. */
export const LIVENESS_CHECK_MS = 3_000;
/** Extra wait past the command's timeout, so the holder's own timeout sentence arrives first. */
const TIMEOUT_GRACE_MS = 2_000;

/** The sentences the hub words for a host, so a routed failure reads like a local one. */
export interface HostSentences {
  label(host: HostRegistration): string;
  offline(host: HostRegistration): ServiceError;
  cancelled(host: HostRegistration, name: CommandName): ServiceError;
  timedOut(host: HostRegistration, name: CommandName, timeoutMs: number): ServiceError;
}

interface OutgoingCall {
  host: HostRegistration;
  name: CommandName;
  holder: string;
  onProgress?: Progress;
  rearm(): void;
  finish(outcome: { result: unknown } | { error: Error }): void;
}

const storeMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createRoutingCaller({
  store,
  presence,
  replicaId,
  defaultTimeoutMs,
  sentences,
}: {
  store: RedisStore;
  presence: HostPresence;
  replicaId: string;
  defaultTimeoutMs: number;
  sentences: () => HostSentences;
}) {
  const outgoing = new Map<string, OutgoingCall>();

  const storeDown = (host: HostRegistration, error: unknown) =>
    new ServiceError(
      "unavailable",
      `${sentences().label(host)} is not connected to this replica, and the shared store (Redis) that carries calls to the replica holding it failed (${storeMessage(error)}); try again once Redis is back, or call through the replica the host is connected to.`,
    );
  const holderGone = (host: HostRegistration, name: CommandName) =>
    new ServiceError(
      "unavailable",
      `The replica holding ${sentences().label(host)}'s connection went away before the host answered ${name}; its agent reconnects to another replica within about 30 s. The host may have done the work, so check with workspaces_list or terminals_list before trying again.`,
    );
  const moved = (host: HostRegistration, name: CommandName) =>
    new ServiceError(
      "unavailable",
      `${sentences().label(host)} reconnected to another replica before it answered ${name}; it may have done the work, so check with workspaces_list or terminals_list before trying again.`,
    );

  const publish = (holder: string, message: RoutedMessage) => store.publish(replicaChannel(holder), JSON.stringify(message));
  const sendAbort = (holder: string, callId: string) =>
    void publish(holder, { type: "abort", callId }).catch((error) => log.warn("could not forward an abort to the replica holding the host", { holder, callId, error: String(error) }));

  /** Fails the calls whose holder no longer holds their host; a Redis that does not answer fails them all. */
  async function checkHolders(): Promise<void> {
    const byHost = new Map<string, [string, OutgoingCall][]>();
    for (const entry of outgoing) byHost.set(entry[1].host.registrationId, [...(byHost.get(entry[1].host.registrationId) ?? []), entry]);
    await Promise.all(
      [...byHost].map(async ([registrationId, calls]) => {
        let holder: string | null;
        try {
          holder = await presence.holder(registrationId);
        } catch (error) {
          for (const [, call] of calls)
            call.finish({
              error: new ServiceError(
                "unavailable",
                `Lost the shared store (Redis) while waiting for ${sentences().label(call.host)} to answer ${call.name} (${storeMessage(error)}); the host may still be working, so check with workspaces_list or terminals_list once Redis is back.`,
              ),
            });
          return;
        }
        for (const [callId, call] of calls) {
          if (holder === call.holder) continue;
          call.finish({ error: holder ? moved(call.host, call.name) : holderGone(call.host, call.name) });
          sendAbort(call.holder, callId);
        }
      }),
    );
  }
  const liveness = setInterval(() => void checkHolders(), LIVENESS_CHECK_MS);
  liveness.unref?.();

  /** Sends `name` to the replica holding `host`'s socket and waits for its answer (see the file comment). */
  async function command(host: HostRegistration, name: CommandName, params: unknown, options: CommandOptions): Promise<unknown> {
    const { signal } = options;
    if (signal?.aborted) throw sentences().cancelled(host, name);
    let holder: string | null;
    try {
      holder = await presence.holder(host.registrationId);
    } catch (error) {
      throw storeDown(host, error);
    }
    // A key naming this replica outlived the socket by a moment: the host is not here, so it is offline.
    if (!holder || holder === replicaId) throw sentences().offline(host);
    if (signal?.aborted) throw sentences().cancelled(host, name);
    const callId = crypto.randomUUID();
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expire = () => {
        call.finish({ error: sentences().timedOut(host, name, timeoutMs) });
        sendAbort(call.holder, callId);
      };
      const abort = () => {
        if (!outgoing.has(callId)) return;
        call.finish({ error: sentences().cancelled(host, name) });
        sendAbort(call.holder, callId);
      };
      const call: OutgoingCall = {
        host,
        name,
        holder: holder!,
        onProgress: options.onProgress,
        rearm() {
          clearTimeout(timer);
          timer = setTimeout(expire, timeoutMs + TIMEOUT_GRACE_MS);
        },
        finish(outcome) {
          if (!outgoing.delete(callId)) return;
          clearTimeout(timer);
          signal?.removeEventListener("abort", abort);
          if ("error" in outcome) reject(outcome.error);
          else resolve(outcome.result);
        },
      };
      outgoing.set(callId, call);
      call.rearm();
      signal?.addEventListener("abort", abort, { once: true });
      publish(call.holder, { type: "call", callId, replyTo: replicaId, registrationId: host.registrationId, name, params, timeoutMs, callerKeepsAlive: true }).then(
        (receivers) => receivers === 0 && call.finish({ error: holderGone(host, name) }),
        (error) => call.finish({ error: storeDown(host, error) }),
      );
    });
  }

  /** A progress or result message for one of this replica's calls. */
  function receive(message: Extract<RoutedMessage, { type: "progress" | "result" }>): void {
    const call = outgoing.get(message.callId);
    if (!call) return;
    if (message.type === "progress") {
      call.rearm();
      call.onProgress?.(message.progress, message.total, message.message);
      return;
    }
    if (!message.ok) {
      call.finish({ error: message.error.kind === "offline" ? sentences().offline(call.host) : new ServiceError(message.error.kind, message.error.message) });
      return;
    }
    // The holder checked the host's answer; checked again here, so a replica of another version cannot hand a tool a wrong shape.
    const parsed = v.safeParse(COMMANDS[call.name].result, message.result);
    call.finish(
      parsed.success
        ? { result: parsed.output }
        : { error: new ServiceError("failed", `The replica holding ${sentences().label(call.host)} answered ${call.name} with a malformed result; run the same version on every replica.`) },
    );
  }

  return {
    command,
    receive,
    /** Fails every waiting call (this replica is stopping) and tells the holders to abort them. */
    stop(reason: (host: HostRegistration, name: CommandName) => ServiceError): void {
      clearInterval(liveness);
      for (const [callId, call] of outgoing) {
        call.finish({ error: reason(call.host, call.name) });
        sendAbort(call.holder, callId);
      }
    },
  };
}
