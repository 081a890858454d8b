/**
 * A host hub's side of a host without a socket: a registration and a link that records the
 * frames the hub sends and the closes it asks for, for tests of the hub and of routing.
 */
import type { HostLink } from "../../src/hosts/hub.ts";
import type { ServerFrame } from "../../src/hosts/protocol.ts";
import type { HostRegistration } from "../../src/services/hosts.ts";

/** A registered host "build-box", last seen 2026-11-20T08:00Z; `overrides` change any field. */
export function testHost(overrides: Partial<HostRegistration> = {}): HostRegistration {
  return {
    registrationId: crypto.randomUUID(),
    id: "0123456789abcdef0123456789abcdef",
    organizationId: crypto.randomUUID(),
    ownerUserId: crypto.randomUUID(),
    name: "build-box",
    platform: "linux-x64",
    agentVersion: "0.1.0",
    lastSeenAt: "2026-11-20T08:00:00.000Z",
    createdAt: "2026-11-01T08:00:00.000Z",
    revokedAt: null,
    tokenPrefix: "sk_host_abcd",
    ...overrides,
  } as HostRegistration;
}

/** A link whose frames and closes are kept, with the commands among the frames. */
export function recordingLink() {
  const frames: ServerFrame[] = [];
  const closes: { code: number; reason: string }[] = [];
  const link: HostLink = { send: (frame) => void frames.push(frame), close: (code, reason) => void closes.push({ code, reason }) };
  const commands = () => frames.filter((frame): frame is Extract<ServerFrame, { type: "command" }> => frame.type === "command");
  return { link, frames, closes, commands };
}
