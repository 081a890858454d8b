/**
 * What an operator of several replicas expects of host routing beyond carrying calls, through a
 * real Redis with hubs in one process standing for replicas: the count of online hosts is the
 * fleet's on every replica (a dead replica's hosts drop out when their presence lapses), and a
 * routed call whose calling replica died is aborted on the host, as a cancel would.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHostHub } from "../../src/hosts/hub.ts";
import { createHostRouter } from "../../src/hosts/routing.ts";
import type { Services } from "../../src/services/index.ts";
import { connectRedisStore } from "../../src/store/redis.ts";
import { recordingLink, testHost } from "../helpers/host-links.ts";
import { eventually } from "../helpers/eventually.ts";
import { REDIS_URL, deleteKeys, inspector, redisAvailable, uniquePrefix } from "../helpers/redis.ts";

const services = {
  hosts: { touchLastSeen: async () => undefined, reconcileInventory: async () => undefined, findRegistration: async () => null },
} as unknown as Services;

// The holder checks its callers every 3 s.
setDefaultTimeout(30_000);

describe("host routing for a fleet of replicas", () => {
  if (!redisAvailable("host routing for a fleet")) return;
  const prefix = uniquePrefix("host-fleet");
  const started: { stop(): Promise<void> }[] = [];

  async function replica() {
    const store = await connectRedisStore({ url: REDIS_URL!, keyPrefix: prefix });
    const router = await createHostRouter({ store, defaultTimeoutMs: 120_000 });
    const hub = createHostHub({ services, commandTimeoutSeconds: 120, serverUrl: "https://superset.example.test", router });
    const handle = { hub, router, store, stop: async () => (hub.stop(), await router.close(), store.close()) };
    started.push(handle);
    return handle;
  }

  afterAll(async () => {
    await Promise.allSettled(started.map((handle) => handle.stop()));
    const raw = await inspector();
    await deleteKeys(raw, prefix);
    raw.close();
  });

  test("every replica counts the fleet's hosts, its own apart; a host of a dead replica drops out once its presence lapses", async () => {
    const [a, b, c] = [await replica(), await replica(), await replica()];
    const first = testHost();
    const second = testHost();
    a.hub.attach(first, recordingLink().link);
    c.hub.attach(second, recordingLink().link);
    await eventually("both hosts counted on B", async () => (await b.hub.fleetOnlineCount()) === 2);
    expect(b.hub.onlineCount()).toBe(0);
    expect(await a.hub.fleetOnlineCount()).toBe(2);
    expect(a.hub.onlineCount()).toBe(1);

    // A host whose replica died without a goodbye: its member's lapse time (Redis ms) is in the past.
    const raw = await inspector();
    const [seconds] = (await raw.send("TIME", [])) as [string, string];
    await raw.send("ZADD", [`${prefix}:hosts:online`, String(Number(seconds) * 1000 - 1), "a-host-of-a-dead-replica"]);
    expect(await b.hub.fleetOnlineCount()).toBe(2);
    expect(Number(await raw.send("ZCARD", [`${prefix}:hosts:online`]))).toBe(2);
    raw.close();
  });

  test("a closed socket leaves the fleet's count at once", async () => {
    const [a, b] = [await replica(), await replica()];
    const host = testHost();
    const socket = recordingLink();
    const before = await b.hub.fleetOnlineCount();
    a.hub.attach(host, socket.link);
    await eventually("the host counted on B", async () => (await b.hub.fleetOnlineCount()) === before + 1);
    a.hub.detach(host.registrationId, socket.link);
    await eventually("the host gone from B's count", async () => (await b.hub.fleetOnlineCount()) === before);
  });

  test("the calling replica dies mid-call: once its liveness key lapses, the holder aborts the command on the host", async () => {
    const [a, b] = [await replica(), await replica()];
    const host = testHost();
    const socket = recordingLink();
    a.hub.attach(host, socket.link);
    await eventually("B to see the host online", () => b.hub.isOnline(host.registrationId));
    void b.hub.command(host, "project.create", { projectId: crypto.randomUUID(), gitUrl: "https://example.test/repo.git" }).catch(() => undefined);
    await eventually("the command on A's socket", () => socket.commands().length === 1);

    const raw = await inspector();
    expect(await raw.get(`${prefix}:hosts:replica-alive:${b.router.replicaId}`)).toBe("1");
    expect(Number(await raw.ttl(`${prefix}:hosts:replica-alive:${b.router.replicaId}`))).toBeGreaterThan(0);
    // As kill -9 does: B's connections end without a goodbye, and its liveness key lapses (deleted here rather than waited for).
    b.store.close();
    await raw.del(`${prefix}:hosts:replica-alive:${b.router.replicaId}`);
    raw.close();
    await eventually("the abort frame on A's socket", () => socket.frames.some((frame) => frame.type === "abort"));
    expect(socket.frames.find((frame) => frame.type === "abort")).toEqual({ type: "abort", id: socket.commands()[0]!.id });
  });
});
