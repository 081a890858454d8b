/**
 * Legacy sessions over Redis, as two replicas see them: two registries, each with its own
 * connection to one Redis under one key prefix, as two processes would have. A session made on A is
 * served by B; a stream followed on B gets what A sends and resumes from the log; a cancel, a
 * DELETE or an eviction on one reaches the other; every key is the prefix plus one namespace, with
 * the TTL and length its bound says; a Redis that does not answer fails a lookup at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RedisClient } from "bun";
import { connectRedisStore, type RedisStore } from "../../src/store/redis.ts";
import { StoreError } from "../../src/store/types.ts";
import { createSessionRegistry } from "../../src/mcp/session-store/index.ts";
import type { SessionRegistry } from "../../src/mcp/sessions.ts";
import { MAX_STREAMS_PER_SESSION, type SessionLimits } from "../../src/mcp/session-store/types.ts";
import { readSseEvents } from "../helpers/app.ts";
import { REDIS_URL, deleteKeys, inspector, keysUnder, redisAvailable, uniquePrefix } from "../helpers/redis.ts";

const LIMITS: SessionLimits = { maxSessionsPerPrincipal: 3, idleSeconds: 600, maxEvents: 4, eventTtlSeconds: 120 };

describe("sessions in Redis across two replicas", () => {
  if (!redisAvailable("sessions in Redis across two replicas")) return;
  const prefix = uniquePrefix("sessions");
  let storeA: RedisStore;
  let storeB: RedisStore;
  let a: SessionRegistry;
  let b: SessionRegistry;
  let raw: RedisClient;

  beforeAll(async () => {
    storeA = await connectRedisStore({ url: REDIS_URL!, keyPrefix: prefix });
    storeB = await connectRedisStore({ url: REDIS_URL!, keyPrefix: prefix });
    raw = await inspector();
    a = createSessionRegistry(LIMITS, storeA);
    b = createSessionRegistry(LIMITS, storeB);
    await Promise.all([a.ready(), b.ready()]);
  });
  afterAll(async () => {
    await deleteKeys(raw, prefix);
    storeA.close();
    storeB.close();
    raw.close();
  });

  test("a session made on A is found on B with its owner, version and log level", async () => {
    const made = await a.create("owner-1", "2025-06-18");
    await made.setLogLevel("warning");
    const onB = await b.get(made.id);
    expect({ id: onB?.id, owner: onB?.ownerKey, version: onB?.protocolVersion, level: onB?.logLevel }).toEqual({ id: made.id, owner: "owner-1", version: "2025-06-18", level: "warning" });
    expect(await b.get(crypto.randomUUID())).toBeNull();
  });

  test("a stream answered on A resumes on B from its log, gets A's later events live and closes when A ends it", async () => {
    const session = await a.create("owner-2", "2025-11-25");
    const stream = await session.openStream();
    for (const n of [1, 2]) await stream.send({ jsonrpc: "2.0", method: "notifications/progress", params: { n } });
    const onB = (await b.connect(session.id, stream.id, { afterSeq: 1, isStandalone: false }))!;
    await stream.send({ jsonrpc: "2.0", method: "notifications/progress", params: { n: 3 } });
    await stream.send({ jsonrpc: "2.0", id: 9, result: { done: true } });
    await stream.end();
    const text = await new Response(onB.body).text();
    const ids = [...text.matchAll(/^id: (.+)$/gm)].map((match) => match[1]);
    expect(ids).toEqual([`${stream.id}:2`, `${stream.id}:3`, `${stream.id}:4`]);
    expect(text).toContain('data: {"jsonrpc":"2.0","id":9,"result":{"done":true}}');
  });

  test("a stream of another session is not resumed on B", async () => {
    const mine = await a.create("owner-3", "2025-11-25");
    const stream = await (await a.create("owner-3", "2025-11-25")).openStream();
    await stream.send({ jsonrpc: "2.0", method: "private" });
    expect(await b.connect(mine.id, stream.id, { afterSeq: 0, isStandalone: false })).toBeNull();
  });

  test("a log notification made on A reaches the GET stream followed on B", async () => {
    const session = await a.create("owner-4", "2025-11-25");
    const onB = (await b.get(session.id))!;
    const standalone = await onB.standaloneStream();
    const following = (await b.connect(session.id, standalone.id, { afterSeq: null, isStandalone: true }))!;
    const onA = (await a.get(session.id))!;
    expect(onA.standaloneStreamId).toBe(standalone.id);
    await onA.notifyLog("error", "from A");
    const [event] = await readSseEvents(following, 1);
    expect(event).toEqual({ id: `${standalone.id}:1`, data: { jsonrpc: "2.0", method: "notifications/message", params: { level: "error", logger: "superset", data: "from A" } } });
  });

  test("notifications/cancelled received by B aborts the request A is answering", async () => {
    const session = await a.create("owner-5", "2025-11-25");
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const answer = session.answering("call-1", (signal) => {
      started();
      return new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve(String(signal.reason)), { once: true }));
    });
    await running;
    await (await b.get(session.id))!.cancel("call-1", "stopped by the user");
    expect(await answer).toBe("stopped by the user");
  });

  test("DELETE on B ends the session everywhere and the stream A holds", async () => {
    const session = await a.create("owner-6", "2025-11-25");
    const standalone = await session.standaloneStream();
    const onA = (await a.connect(session.id, standalone.id, { afterSeq: null, isStandalone: true }))!;
    expect(await b.delete(session.id)).toBe(true);
    expect(await a.get(session.id)).toBeNull();
    expect(await new Response(onA.body).text()).toBe(": stream open\n\n");
  });

  test("the per-principal cap counts sessions made on both replicas and evicts the one idle longest", async () => {
    const first = await a.create("owner-7", "2025-11-25");
    const second = await b.create("owner-7", "2025-11-25");
    const third = await a.create("owner-7", "2025-11-25");
    // Used again on B, so the second is now idle longest.
    await b.get(first.id);
    const standalone = await second.standaloneStream();
    const held = (await a.connect(second.id, standalone.id, { afterSeq: null, isStandalone: true }))!;
    await b.create("owner-7", "2025-11-25");
    expect(await a.get(second.id)).toBeNull();
    expect(await a.get(first.id)).not.toBeNull();
    expect(await a.get(third.id)).not.toBeNull();
    expect(await new Response(held.body).text()).toBe(": stream open\n\n");
  });

  test("each key is the prefix and one namespace, with the TTL of its bound, and a log holds at most event_store_max_events", async () => {
    const session = await a.create("owner-8", "2025-11-25");
    const stream = await session.openStream();
    for (let n = 0; n < LIMITS.maxEvents + 3; n++) await stream.send({ jsonrpc: "2.0", method: "m", params: { n } });
    const keys = await keysUnder(raw, prefix);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${prefix}:(session|sessions-of|stream|events|streams-of):[^:]+$`));
    expect(keys).toContain(`${prefix}:session:${session.id}`);
    const sessionTtl = Number(await raw.send("TTL", [`${prefix}:session:${session.id}`]));
    expect(sessionTtl).toBeGreaterThan(LIMITS.idleSeconds - 30);
    expect(sessionTtl).toBeLessThanOrEqual(LIMITS.idleSeconds);
    const eventsTtl = Number(await raw.send("TTL", [`${prefix}:events:${stream.id}`]));
    expect(eventsTtl).toBeGreaterThan(0);
    expect(eventsTtl).toBeLessThanOrEqual(LIMITS.eventTtlSeconds);
    expect(Number(await raw.send("LLEN", [`${prefix}:events:${stream.id}`]))).toBe(LIMITS.maxEvents);
  });

  test(`a session keeps at most ${MAX_STREAMS_PER_SESSION} POST streams: past it the oldest ended one is deleted with its log`, async () => {
    const session = await a.create("owner-9", "2025-11-25");
    const standalone = await session.standaloneStream();
    const ids: string[] = [];
    for (let i = 0; i < MAX_STREAMS_PER_SESSION + 3; i++) {
      const stream = await session.openStream();
      await stream.send({ jsonrpc: "2.0", id: i, result: {} });
      await stream.end();
      ids.push(stream.id);
    }
    for (const gone of ids.slice(0, 3)) expect(Number(await raw.send("EXISTS", [`${prefix}:stream:${gone}`, `${prefix}:events:${gone}`]))).toBe(0);
    expect(Number(await raw.send("LLEN", [`${prefix}:streams-of:${session.id}`]))).toBe(MAX_STREAMS_PER_SESSION);
    expect((await b.backend.replay(ids.at(-1)!, 0)).events).toHaveLength(1);
    expect((await b.backend.replay(standalone.id, 0)).sessionId).toBe(session.id);
  });
});

describe("sessions when Redis does not answer", () => {
  if (!redisAvailable("sessions when Redis does not answer")) return;

  test("a lookup, a creation and a send fail at once with a StoreError, not a hang or a missing session", async () => {
    const store = await connectRedisStore({ url: REDIS_URL!, keyPrefix: uniquePrefix("sessions-down") });
    const registry = createSessionRegistry(LIMITS, store);
    await registry.ready();
    const session = await registry.create("owner", "2025-11-25");
    const stream = await session.openStream();
    // A closed connection answers nothing, as a Redis that went away does.
    store.close();
    await expect(registry.get(session.id)).rejects.toBeInstanceOf(StoreError);
    await expect(registry.create("owner", "2025-11-25")).rejects.toBeInstanceOf(StoreError);
    await expect(stream.send({ jsonrpc: "2.0", method: "m" })).rejects.toBeInstanceOf(StoreError);
  });
});
