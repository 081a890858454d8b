/**
 * The server's side of the host agents: which hosts are connected, their presence, and commands
 * sent to them and awaited. A command outlives a dropped socket: it is sent again, with the same
 * id, when its host says hello again, until it is answered or its time is up.
 *
 * With a router (MCP_STORE_CONFIG on, see routing.ts), a host whose socket another replica holds
 * is online here too: its commands are carried to that replica and answered back through Redis.
 */
import * as v from "valibot";
import { log } from "../log.ts";
import { ServiceError } from "../services/errors.ts";
import type { HostRegistration } from "../services/hosts.ts";
import type { Services } from "../services/index.ts";
import { NO_METRICS, type Metrics } from "../metrics/index.ts";
import {
  COMMANDS,
  HEARTBEAT_INTERVAL_SECONDS,
  PRESENCE_TIMEOUT_SECONDS,
  CloseCode,
  type CommandErrorCode,
  type CommandName,
  type CommandParams,
  type CommandResult,
  type HostFrame,
  type RunReport,
  type ServerFrame,
} from "./protocol.ts";
import type { CommandOptions, Progress } from "./command-options.ts";
import { HostNotHereError, type HostRouter } from "./routing.ts";

/** One socket to one agent, as the hub needs it (a WebSocket in production, a pipe in tests). */
export interface HostLink {
  send(frame: ServerFrame): void;
  close(code: number, reason: string): void;
}

interface Connection {
  registration: HostRegistration;
  link: HostLink;
  lastHeardMs: number;
  lastSeenWrittenMs: number;
}

interface Pending {
  registrationId: string;
  frame: Extract<ServerFrame, { type: "command" }>;
  hostLabel: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: Progress;
  timer: ReturnType<typeof setTimeout>;
  /** Re-arms the timeout: long work that keeps reporting progress is not cut off. */
  rearm(): void;
}

const SERVICE_KIND: Record<CommandErrorCode, ServiceError["kind"]> = {
  not_found: "not_found",
  invalid: "invalid",
  conflict: "conflict",
  unavailable: "unavailable",
  failed: "failed",
};

const SWEEP_INTERVAL_MS = 5_000;
const SHUTTING_DOWN_REASON = "The server is shutting down; reconnecting.";
/** last_seen_at is written on connect and disconnect, and at most this often in between. */
const LAST_SEEN_WRITE_INTERVAL_MS = 60_000;

export interface HostHubOptions {
  services: Services;
  commandTimeoutSeconds: number;
  /** How a host's agent is started, for the sentence an offline host gets. */
  serverUrl: string;
  nowMs?: () => number;
  /** Counts the runs whose end a host reported. */
  metrics?: Pick<Metrics, "automationRun">;
  /** Reaches hosts connected to other replicas; without it only this process's hosts are online. */
  router?: HostRouter | null;
}

export function createHostHub({ services, commandTimeoutSeconds, serverUrl, nowMs = Date.now, metrics = NO_METRICS, router = null }: HostHubOptions) {
  const connections = new Map<string, Connection>();
  const pending = new Map<string, Pending>();
  let stopped = false;

  const label = (host: HostRegistration) => `Host "${host.name}" (${host.id})`;

  function offlineError(host: HostRegistration): ServiceError {
    const since = host.lastSeenAt ? `since ${host.lastSeenAt}` : "and has never connected";
    return new ServiceError(
      "unavailable",
      `${label(host)} is offline ${since}; start its agent on that machine with "superset host run --server ${serverUrl} --token <its host token>" (or "systemctl --user start superset-host") and try again.`,
    );
  }

  function cancelledError(host: HostRegistration, name: CommandName): ServiceError {
    return new ServiceError("cancelled", `The call was cancelled before ${label(host)} finished ${name}; the host was told to stop it and undo what it had started.`);
  }

  function timedOutError(host: HostRegistration, name: CommandName, timeoutMs: number): ServiceError {
    return new ServiceError(
      "unavailable",
      `${label(host)} sent no answer or progress for ${name} within ${Math.ceil(timeoutMs / 1000)} s; it may still be working, so check with workspaces_list or terminals_list before trying again.`,
    );
  }

  /** Registers a socket that said hello and was accepted; replaces an older socket of the same host. */
  function attach(registration: HostRegistration, link: HostLink): void {
    // A hello answered by the database after stop() must not leave a socket that holds the drain open.
    if (stopped) return link.close(CloseCode.goingAway, SHUTTING_DOWN_REASON);
    const previous = connections.get(registration.registrationId);
    if (previous && previous.link !== link) previous.link.close(CloseCode.replaced, "Another connection of this host replaced this one.");
    const now = nowMs();
    connections.set(registration.registrationId, { registration, link, lastHeardMs: now, lastSeenWrittenMs: now });
    link.send({ type: "welcome", hostId: registration.id!, organizationId: registration.organizationId, heartbeatSeconds: HEARTBEAT_INTERVAL_SECONDS });
    // Commands that waited through the disconnect go again with their ids; the agent's journal answers repeats.
    for (const command of pending.values()) if (command.registrationId === registration.registrationId) link.send(command.frame);
    router?.attached(registration.registrationId);
  }

  /** The once-a-minute write of last_seen_at, which also ends the socket of a host revoked meanwhile (by the CLI, in another process). */
  async function refreshPresence(registrationId: string, connection: Connection, now: number): Promise<void> {
    try {
      const current = await services.hosts.findRegistration(registrationId);
      if (!current || current.revokedAt) {
        connection.link.close(CloseCode.tokenRejected, "This host was revoked; register the machine again with superset hosts register.");
        detach(registrationId, connection.link);
        return;
      }
      await services.hosts.touchLastSeen(registrationId, new Date(now));
    } catch (error) {
      log.warn("could not record host last seen", { registrationId, error: String(error) });
    }
  }

  function detach(registrationId: string, link: HostLink): void {
    const connection = connections.get(registrationId);
    if (!connection || connection.link !== link) return;
    connections.delete(registrationId);
    router?.detached(registrationId);
    void services.hosts.touchLastSeen(registrationId, new Date(nowMs())).catch((error) => log.warn("could not record host last seen", { registrationId, error: String(error) }));
  }

  /**
   * Stores how an automation run ended and acknowledges it, so the agent forgets the report. A
   * report that could not be stored is not acknowledged: the agent sends it again after its
   * next reconnect. A report of an unknown run (its automation was deleted) is acknowledged too.
   */
  async function recordRunReport(connection: Connection, report: RunReport): Promise<void> {
    try {
      // False for a repeat of a report already stored (its ack was lost) or of an unknown run: counted once.
      if (await services.automationRuns.finishFromHost(connection.registration, report)) metrics.automationRun(report.status);
      connection.link.send({ type: "runAck", runId: report.runId });
    } catch (error) {
      log.warn("could not record an automation run report", { registrationId: connection.registration.registrationId, runId: report.runId, error: String(error) });
    }
  }

  /** A frame from a connected host (after hello). */
  function receive(registrationId: string, frame: HostFrame): void {
    const connection = connections.get(registrationId);
    if (!connection) return;
    const now = nowMs();
    connection.lastHeardMs = now;
    if (now - connection.lastSeenWrittenMs >= LAST_SEEN_WRITE_INTERVAL_MS) {
      connection.lastSeenWrittenMs = now;
      void refreshPresence(registrationId, connection, now);
    }
    if (frame.type === "inventory") {
      void services.hosts
        .reconcileInventory(connection.registration, frame.inventory, new Date(now))
        .catch((error) => log.warn("could not reconcile host inventory", { registrationId, error: String(error) }));
      return;
    }
    if (frame.type === "run") {
      void recordRunReport(connection, frame.report);
      return;
    }
    if (frame.type !== "progress" && frame.type !== "result") return;
    const command = pending.get(frame.id);
    if (!command || command.registrationId !== registrationId) return;
    if (frame.type === "progress") {
      command.rearm();
      command.onProgress?.(frame.progress, frame.total, frame.message);
      return;
    }
    pending.delete(frame.id);
    clearTimeout(command.timer);
    if (!frame.ok) {
      command.reject(new ServiceError(SERVICE_KIND[frame.error.code], frame.error.message));
      return;
    }
    // A host is a remote party: its answer is checked like any input before a tool returns it.
    const parsed = v.safeParse(COMMANDS[command.frame.name].result, frame.result);
    if (parsed.success) command.resolve(parsed.output);
    else
      command.reject(
        new ServiceError(
          "failed",
          `${command.hostLabel} answered ${command.frame.name} with a malformed result; update its agent to this server's version (${v.summarize(parsed.issues).split("\n")[0]}).`,
        ),
      );
  }

  /**
   * Sends a command and waits for its result. An offline host fails at once; a host that drops
   * mid-command gets it again on reconnect. The timeout counts from the last sign of work (the
   * command, then each progress report), so a big clone that reports progress runs to its end.
   * A host connected to another replica gets the command through the router.
   */
  function command<N extends CommandName>(host: HostRegistration, name: N, params: CommandParams<N>, options: CommandOptions = {}): Promise<CommandResult<N>> {
    const connection = connections.get(host.registrationId);
    if (connection) return commandOn(connection, host, name, params, options);
    if (router) return router.command(host, name, params, options) as Promise<CommandResult<N>>;
    return Promise.reject(offlineError(host));
  }

  /** Another replica holds the host now: its stale socket here closes, and commands waiting for it fail rather than wait for a reconnect that goes elsewhere. */
  function release(registrationId: string): void {
    const connection = connections.get(registrationId);
    if (connection) {
      connections.delete(registrationId);
      connection.link.close(CloseCode.replaced, "This host connected to another replica, which replaced this connection.");
    }
    for (const [id, command] of pending) {
      if (command.registrationId !== registrationId) continue;
      pending.delete(id);
      clearTimeout(command.timer);
      command.reject(
        new ServiceError(
          "unavailable",
          `${command.hostLabel} reconnected to another replica before it answered ${command.frame.name}; it may have done the work, so check with workspaces_list or terminals_list before trying again.`,
        ),
      );
    }
  }

  function commandOn<N extends CommandName>(connection: Connection, host: HostRegistration, name: N, params: CommandParams<N>, options: CommandOptions): Promise<CommandResult<N>> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancelledError(host, name));
    const id = crypto.randomUUID();
    const frame = { type: "command" as const, id, name, params };
    const timeoutMs = options.timeoutMs ?? commandTimeoutSeconds * 1000;
    return new Promise<CommandResult<N>>((resolve, reject) => {
      const expire = () => {
        pending.delete(id);
        settle();
        reject(timedOutError(host, name, timeoutMs));
      };
      // The call fails now rather than when the host confirms: an agent older than `abort` never will.
      const abort = () => {
        if (pending.get(id) !== entry) return;
        pending.delete(id);
        clearTimeout(entry.timer);
        connections.get(host.registrationId)?.link.send({ type: "abort", id });
        reject(cancelledError(host, name));
      };
      const settle = () => signal?.removeEventListener("abort", abort);
      const entry: Pending = {
        registrationId: host.registrationId,
        frame,
        hostLabel: label(host),
        resolve: (result) => {
          settle();
          resolve(result as CommandResult<N>);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        onProgress: options.onProgress,
        timer: setTimeout(expire, timeoutMs),
        rearm() {
          clearTimeout(entry.timer);
          entry.timer = setTimeout(expire, timeoutMs);
        },
      };
      pending.set(id, entry);
      signal?.addEventListener("abort", abort, { once: true });
      connection.link.send(frame);
    });
  }

  /** Closes sockets whose host has been silent past the presence timeout (their TCP may be half-open). */
  function sweep(): void {
    const limit = nowMs() - PRESENCE_TIMEOUT_SECONDS * 1000;
    for (const [registrationId, connection] of connections) {
      if (connection.lastHeardMs >= limit) continue;
      connection.link.close(CloseCode.goingAway, `No heartbeat for ${PRESENCE_TIMEOUT_SECONDS} s.`);
      detach(registrationId, connection.link);
    }
  }
  // Every 5 s, so a silent host is offline at most 50 s after its last frame rather than 60.
  const sweeper = setInterval(sweep, SWEEP_INTERVAL_MS);
  sweeper.unref?.();

  router?.bind({
    label,
    offline: offlineError,
    cancelled: cancelledError,
    timedOut: timedOutError,
    release,
    commandHere(registrationId, name, params, options) {
      const connection = connections.get(registrationId);
      if (!connection) return Promise.reject(new HostNotHereError(`Host ${registrationId} is not connected to replica ${router.replicaId}.`));
      return commandOn(connection, connection.registration, name, params as CommandParams<typeof name>, options);
    },
  });

  return {
    attach,
    detach,
    receive,
    command,
    sweep,
    /** Whether the host can take commands: connected here, or (with a router) to another replica. */
    isOnline: async (registrationId: string): Promise<boolean> => connections.has(registrationId) || ((await router?.isOnlineElsewhere(registrationId)) ?? false),
    /** Whether this process holds the host's socket. */
    isConnectedHere: (registrationId: string) => connections.has(registrationId),
    /** The sentence a call to an offline host fails with: which host, since when, how to bring it back. */
    offlineSentence: (host: HostRegistration) => offlineError(host).message,
    /** Hosts connected to this process (not those of other replicas). */
    onlineCount: () => connections.size,
    /**
     * Hosts online across the fleet: with a router, every replica's from presence in Redis (the
     * same figure on each replica); without one, or when Redis does not answer (logged), this
     * process's own.
     */
    async fleetOnlineCount(): Promise<number> {
      if (!router) return connections.size;
      try {
        return await router.fleetOnlineCount();
      } catch (error) {
        log.warn("could not count the fleet's hosts in Redis; counting this replica's own", { error: String(error) });
        return connections.size;
      }
    },
    /**
     * Closes every host socket with "going away" so agents reconnect, and fails the commands still
     * waiting (a caller gets an answer rather than a hang). Safe to call twice.
     */
    stop(): void {
      stopped = true;
      clearInterval(sweeper);
      for (const command of pending.values()) {
        clearTimeout(command.timer);
        command.reject(
          new ServiceError(
            "unavailable",
            `${command.hostLabel} could not answer ${command.frame.name}: the server is shutting down; it may still be working, so check with workspaces_list or terminals_list once the server is back.`,
          ),
        );
      }
      pending.clear();
      for (const connection of connections.values()) connection.link.close(CloseCode.goingAway, SHUTTING_DOWN_REASON);
      connections.clear();
    },
  };
}

export type HostHub = ReturnType<typeof createHostHub>;
