/**
 * The messages replicas exchange to carry a host command to the replica holding the host's socket
 * (JSON on the channel `<prefix>:hosts:replica:<replicaId>` of the receiving replica). Each is
 * checked like any input: a malformed or oversized message is dropped by name, never handled.
 *
 *   caller B → holder A: `call` (the command, which replica to answer, its timeout, whether B keeps
 *     a liveness key that A may watch: replica-liveness.ts), `abort`
 *   holder A → caller B: `progress`…, then one `result` (the value, or a ServiceError's kind and sentence)
 *   new holder C → old holder A: `moved` (the host said hello on C: let its stale socket and waiting commands go)
 */
import * as v from "valibot";
import type { ServiceErrorKind } from "../services/errors.ts";
import { COMMAND_NAMES } from "./protocol.ts";

/** A routed message larger than this is refused (a terminal screen or an inventory is far smaller). */
export const ROUTED_MESSAGE_MAX_BYTES = 16 * 1024 * 1024;

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const text = v.pipe(v.string(), v.maxLength(100_000));
const ERROR_KINDS = ["not_found", "invalid", "forbidden", "conflict", "unavailable", "failed", "cancelled"] as const satisfies readonly ServiceErrorKind[];

export const routedMessageSchema = v.variant("type", [
  v.object({
    type: v.literal("call"),
    callId: id,
    replyTo: id,
    registrationId: id,
    name: v.picklist(COMMAND_NAMES),
    params: v.unknown(),
    timeoutMs: v.pipe(v.number(), v.integer(), v.minValue(1)),
    /** The caller keeps `hosts:replica-alive:<replyTo>`: the holder aborts the call once it lapses. Absent from replicas older than the key. */
    callerKeepsAlive: v.optional(v.literal(true)),
  }),
  v.object({ type: v.literal("abort"), callId: id }),
  v.object({ type: v.literal("moved"), registrationId: id }),
  v.object({ type: v.literal("progress"), callId: id, progress: v.number(), total: v.optional(v.number()), message: v.optional(text) }),
  v.object({ type: v.literal("result"), callId: id, ok: v.literal(true), result: v.unknown() }),
  /** `offline`: the host is not connected to the replica the call reached (it left meanwhile). */
  v.object({ type: v.literal("result"), callId: id, ok: v.literal(false), error: v.object({ kind: v.picklist([...ERROR_KINDS, "offline"]), message: text }) }),
]);
export type RoutedMessage = v.InferOutput<typeof routedMessageSchema>;

/** The channel a replica listens on. */
export const replicaChannel = (replicaId: string) => `hosts:replica:${replicaId}`;

/** One message from its JSON text; null when it is too large, not JSON, or not a routed message. */
export function parseRoutedMessage(raw: string): RoutedMessage | null {
  if (raw.length > ROUTED_MESSAGE_MAX_BYTES) return null;
  try {
    const parsed = v.safeParse(routedMessageSchema, JSON.parse(raw));
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}
