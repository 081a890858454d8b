/**
 * The bounds of legacy sessions in memory (issue 17, bounded memory), with a clock moved by hand:
 * the per-principal cap evicts the session idle longest, an idle session ends, events age out by
 * event_store_ttl and each stream keeps event_store_max_events, ended streams per session are capped.
 */
import { describe, expect, test } from "bun:test";
import { SessionRegistry } from "../../src/mcp/sessions.ts";
import { createMemorySessionBackend } from "../../src/mcp/session-store/memory.ts";
import { MAX_STREAMS_PER_SESSION, type SessionLimits } from "../../src/mcp/session-store/types.ts";
import { manualClock } from "../helpers/clock.ts";
import { readSseEvents } from "../helpers/app.ts";

const LIMITS: SessionLimits = { maxSessionsPerPrincipal: 3, idleSeconds: 600, maxEvents: 5, eventTtlSeconds: 60 };

function harness(limits: SessionLimits = LIMITS) {
  const clock = manualClock("2026-12-01T10:00:00Z");
  const backend = createMemorySessionBackend(limits, () => clock.now().getTime());
  return { clock, backend, registry: new SessionRegistry(backend) };
}

describe("the sessions of one principal", () => {
  test("past MCP_MAX_SESSIONS_PER_PRINCIPAL the one idle longest is evicted, not the oldest made", async () => {
    const { clock, registry } = harness();
    const [first, second, third] = [await registry.create("alice", "2025-11-25"), await registry.create("alice", "2025-11-25"), await registry.create("alice", "2025-11-25")];
    clock.advance(1000);
    // The first is used again, so the second is now idle longest.
    expect(await registry.get(first.id)).not.toBeNull();
    const fourth = await registry.create("alice", "2025-11-25");
    expect(await registry.get(second.id)).toBeNull();
    for (const kept of [first, third, fourth]) expect(await registry.get(kept.id)).not.toBeNull();
    expect(registry.size).toBe(3);
  });

  test("another principal's sessions do not count against the cap", async () => {
    const { registry } = harness();
    const alice = await registry.create("alice", "2025-11-25");
    for (let i = 0; i < 5; i++) await registry.create("bob", "2025-11-25");
    expect(await registry.get(alice.id)).not.toBeNull();
    expect(registry.size).toBe(1 + LIMITS.maxSessionsPerPrincipal);
  });

  test("an evicted session's open stream ends", async () => {
    const { registry } = harness({ ...LIMITS, maxSessionsPerPrincipal: 1 });
    const evicted = await registry.create("alice", "2025-11-25");
    const stream = await evicted.standaloneStream();
    const response = (await registry.connect(evicted.id, stream.id, { afterSeq: null, isStandalone: true }))!;
    await registry.create("alice", "2025-11-25");
    expect(await new Response(response.body).text()).toBe(": stream open\n\n");
  });
});

describe("idle expiry (MCP_SESSION_IDLE_TIMEOUT_SECONDS)", () => {
  test("a session unused for the idle timeout is gone; one used just before it stays", async () => {
    const { clock, registry } = harness();
    const idle = await registry.create("alice", "2025-11-25");
    const busy = await registry.create("alice", "2025-11-25");
    clock.advance(LIMITS.idleSeconds * 1000 - 1);
    expect(await registry.get(busy.id)).not.toBeNull();
    clock.advance(1);
    expect(await registry.get(idle.id)).toBeNull();
    expect(await registry.get(busy.id)).not.toBeNull();
    expect(registry.size).toBe(1);
  });

  test("its streams go with it", async () => {
    const { clock, backend, registry } = harness();
    const session = await registry.create("alice", "2025-11-25");
    const stream = await session.openStream();
    await stream.send({ jsonrpc: "2.0", method: "a" });
    clock.advance(LIMITS.idleSeconds * 1000);
    await registry.create("bob", "2025-11-25");
    expect(await backend.replay(stream.id, 0)).toEqual({ sessionId: null, events: [], finished: false });
  });
});

describe("a session whose GET stream is followed", () => {
  test("is kept alive by the registry's rounds while the client listens, and idles out once it stopped", async () => {
    const { clock, registry } = harness();
    const session = await registry.create("alice", "2025-11-25");
    const stream = await session.standaloneStream();
    const response = (await registry.connect(session.id, stream.id, { afterSeq: null, isStandalone: true }))!;
    for (let round = 0; round < 3; round++) {
      clock.advance(LIMITS.idleSeconds * 900);
      await registry.keepFollowedSessionsAlive();
    }
    expect(await registry.get(session.id)).not.toBeNull();
    await response.body!.cancel();
    clock.advance(LIMITS.idleSeconds * 1000);
    await registry.keepFollowedSessionsAlive();
    expect(await registry.get(session.id)).toBeNull();
  });

  test("has its connection ended by a round once the session is gone without a word (a signal lost)", async () => {
    const { backend, registry } = harness();
    const session = await registry.create("alice", "2025-11-25");
    const stream = await session.standaloneStream();
    const response = (await registry.connect(session.id, stream.id, { afterSeq: null, isStandalone: true }))!;
    // Straight in the backend, as another replica's DELETE whose signal never arrived.
    await backend.remove(session.id);
    await registry.keepFollowedSessionsAlive();
    expect(await new Response(response.body).text()).toBe(": stream open\n\n");
  });
});

describe("event logs (event_store_ttl, event_store_max_events)", () => {
  test("events older than event_store_ttl are not replayed", async () => {
    const { clock, registry } = harness();
    const session = await registry.create("alice", "2025-11-25");
    const stream = await session.openStream();
    await stream.send({ jsonrpc: "2.0", method: "old" });
    clock.advance(LIMITS.eventTtlSeconds * 1000 - 1000);
    await stream.send({ jsonrpc: "2.0", method: "recent" });
    clock.advance(1000);
    const events = await readSseEvents((await registry.connect(session.id, stream.id, { afterSeq: 0, isStandalone: false }))!, 2, 150);
    expect(events.map((event) => (event.data as { method: string }).method)).toEqual(["recent"]);
  });

  test("a finished streamed answer silent for event_store_ttl is dropped", async () => {
    const { clock, backend, registry } = harness();
    const session = await registry.create("alice", "2025-11-25");
    const stream = await session.openStream();
    await stream.send({ jsonrpc: "2.0", id: 1, result: {} });
    await stream.end();
    clock.advance(LIMITS.eventTtlSeconds * 1000);
    expect((await registry.get(session.id))?.id).toBe(session.id);
    expect((await backend.replay(stream.id, 0)).sessionId).toBeNull();
  });

  test("each stream keeps its last event_store_max_events", async () => {
    const { registry, backend } = harness();
    const session = await registry.create("alice", "2025-11-25");
    const stream = await session.openStream();
    for (let n = 1; n <= LIMITS.maxEvents + 3; n++) await stream.send({ jsonrpc: "2.0", method: "m", params: { n } });
    const { events } = await backend.replay(stream.id, 0);
    expect(events.map((event) => event.seq)).toEqual([4, 5, 6, 7, 8]);
  });

  test(`a session keeps at most ${MAX_STREAMS_PER_SESSION} streams, dropping the oldest finished ones`, async () => {
    const { registry, backend } = harness();
    const session = await registry.create("alice", "2025-11-25");
    const first = await session.openStream();
    await first.send({ jsonrpc: "2.0", id: 1, result: {} });
    await first.end();
    const later = [];
    for (let i = 0; i < MAX_STREAMS_PER_SESSION + 5; i++) {
      const stream = await session.openStream();
      await stream.end();
      later.push(stream.id);
    }
    expect((await backend.replay(first.id, 0)).sessionId).toBeNull();
    const kept = await Promise.all(later.map(async (id) => (await backend.replay(id, 0)).sessionId !== null));
    expect(kept.filter(Boolean)).toHaveLength(MAX_STREAMS_PER_SESSION);
  });
});
