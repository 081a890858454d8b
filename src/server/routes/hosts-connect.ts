/**
 * `/hosts/connect`: the one WebSocket each host agent keeps open. The upgrade needs a host token
 * (`Authorization: Bearer sk_host_…`); the first frame must be `hello`, which binds the socket to
 * the machine and reconciles the server's records with the host's inventory.
 */
import { Elysia } from "elysia";
import { readCredential } from "../../auth/credentials.ts";
import { looksLikeHostToken } from "../../auth/host-token-format.ts";
import type { HostHub, HostLink } from "../../hosts/hub.ts";
import { CloseCode, HOST_CONNECT_PATH, hostFrameSchema, parseFrame } from "../../hosts/protocol.ts";
import { log } from "../../log.ts";
import type { HostRegistration } from "../../services/hosts.ts";
import type { Services } from "../../services/index.ts";

interface SocketState {
  token: string;
  link: HostLink;
  registration: HostRegistration | null;
  closed: boolean;
  /** Frames are handled one at a time, so hello is done before the next frame is looked at. */
  queue: Promise<void>;
}

interface RawSocket {
  send(data: string): unknown;
  close(code?: number, reason?: string): void;
}

export function hostConnectRoute({ services, hub }: { services: Services; hub: HostHub }) {
  const sockets = new WeakMap<object, SocketState>();

  async function handle(state: SocketState, message: unknown): Promise<void> {
    const frame = parseFrame(hostFrameSchema, message);
    if (!frame) {
      state.link.close(CloseCode.badFrame, "Malformed frame: update the host agent to this server's version.");
      return;
    }
    if (state.registration) {
      hub.receive(state.registration.registrationId, frame);
      return;
    }
    if (frame.type !== "hello") {
      state.link.close(CloseCode.badFrame, "The first frame must be hello.");
      return;
    }
    const registration = await services.hosts.authenticateToken(state.token);
    if (!registration) {
      log.warn("host refused", { reason: "token rejected" });
      state.link.close(CloseCode.tokenRejected, "Host token rejected: it is unknown, revoked, or its user left the organization; register the machine again with superset hosts register.");
      return;
    }
    const connected = await services.hosts.recordConnection(registration.registrationId, {
      machineId: frame.hostId,
      platform: frame.platform,
      agentVersion: frame.agentVersion,
      name: frame.name,
    });
    if ("refused" in connected) {
      log.warn("host refused", { reason: connected.refused, registrationId: registration.registrationId });
      state.link.close(CloseCode.hostIdMismatch, connected.refused.slice(0, 120));
      return;
    }
    await services.hosts.reconcileInventory(connected.host, frame.inventory, new Date());
    // The socket may have closed while the database answered; a dead link must not count as online.
    if (state.closed) return;
    state.registration = connected.host;
    hub.attach(connected.host, state.link);
    log.info("host connected", { host: connected.host.id, name: connected.host.name, organizationId: connected.host.organizationId });
  }

  return new Elysia({ name: "hosts-connect" }).ws(HOST_CONNECT_PATH, {
    beforeHandle({ request, status }) {
      // Only a request carrying a host token is upgraded; everything else is an HTTP refusal.
      const credential = readCredential(request);
      if (credential.kind !== "token" || !looksLikeHostToken(credential.token)) {
        return status(401, { error: "unauthorized", message: "Connect with Authorization: Bearer sk_host_… (make one with superset hosts register)." });
      }
    },
    open(ws) {
      const raw = ws.raw as unknown as RawSocket;
      const credential = readCredential(ws.data.request);
      const link: HostLink = {
        send: (frame) => void raw.send(JSON.stringify(frame)),
        // A WebSocket close reason is at most 123 bytes.
        close: (code, reason) => raw.close(code, Buffer.from(reason).subarray(0, 123).toString()),
      };
      sockets.set(ws.raw, { token: credential.kind === "token" ? credential.token : "", link, registration: null, closed: false, queue: Promise.resolve() });
    },
    message(ws, message) {
      const state = sockets.get(ws.raw);
      if (!state) return;
      state.queue = state.queue
        .then(() => handle(state, message))
        .catch((error) => {
          log.error("host frame failed", { error: error instanceof Error ? error.stack : String(error) });
          state.link.close(1011, "Internal error; the agent will reconnect.");
        });
    },
    close(ws) {
      const state = sockets.get(ws.raw);
      sockets.delete(ws.raw);
      if (state) state.closed = true;
      if (state?.registration) {
        hub.detach(state.registration.registrationId, state.link);
        log.info("host disconnected", { host: state.registration.id });
      }
    },
  });
}
