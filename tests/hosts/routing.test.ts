/**
 * Host-command routing through a real Redis, with several hubs in one process standing for
 * replicas and recording links standing for host sockets: a host connected to A is online on B
 * and answers B's calls (progress and checked results included); a cancel on B reaches A's host
 * as an abort frame; a host that moves to C is found there and A's waiting calls fail saying so;
 * a replica that vanishes mid-call or a Redis that stops answering fails the call with a sentence,
 * while hosts connected locally keep working.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHostHub } from "../../src/hosts/hub.ts";
import { createHostRouter } from "../../src/hosts/routing.ts";
import type { Services } from "../../src/services/index.ts";
import { connectRedisStore } from "../../src/store/redis.ts";
import { recordingLink, testHost } from "../helpers/host-links.ts";
import { eventually } from "../helpers/eventually.ts";
import { REDIS_URL, deleteKeys, inspector, redisAvailable, uniquePrefix } from "../helpers/redis.ts";
import { startPrivateRedis } from "../helpers/redis-server.ts";

const services = {
  hosts: { touchLastSeen: async () => undefined, reconcileInventory: async () => undefined, findRegistration: async () => null },
} as unknown as Services;

// Presence is refreshed every 5 s, and the Redis-restart test waits for one refresh.
setDefaultTimeout(30_000);

const screen = { terminalId: "t", cols: 80, rows: 24, text: "$ make\nok" };

describe("host commands routed between replicas through Redis", () => {
  if (!redisAvailable("host routing")) return;
  const prefix = uniquePrefix("host-routing");
  const started: { stop(): Promise<void> }[] = [];

  /** A hub with its router on `url` under the suite's prefix, as start.ts makes them. */
  async function replica(url = REDIS_URL!) {
    const store = await connectRedisStore({ url, keyPrefix: prefix });
    const router = await createHostRouter({ store, defaultTimeoutMs: 120_000 });
    const hub = createHostHub({ services, commandTimeoutSeconds: 120, serverUrl: "https://superset.example.test", router });
    const handle = { hub, router, store, stop: async () => (hub.stop(), await router.close(), store.close()) };
    started.push(handle);
    return handle;
  }

  /** Replicas A, B (and C with `count` 3), a host connected to A, and B seeing it online. */
  async function hostOnA(count = 2) {
    const replicas: Awaited<ReturnType<typeof replica>>[] = [];
    for (let i = 0; i < count; i++) replicas.push(await replica());
    const host = testHost();
    const socket = recordingLink();
    replicas[0]!.hub.attach(host, socket.link);
    await eventually("B to see the host online", () => replicas[1]!.hub.isOnline(host.registrationId));
    return { a: replicas[0]!, b: replicas[1]!, c: replicas[2], host, socket };
  }

  afterAll(async () => {
    await Promise.allSettled(started.map((handle) => handle.stop()));
    const raw = await inspector();
    await deleteKeys(raw, prefix);
    raw.close();
  });

  test("a host on A is online on B, and B's call reaches A's socket; progress and the checked result come back", async () => {
    const { a, b, host, socket } = await hostOnA();
    expect(b.hub.isConnectedHere(host.registrationId)).toBe(false);
    const raw = await inspector();
    expect(await raw.get(`${prefix}:hosts:presence:${host.registrationId}`)).toBe(a.router.replicaId);
    raw.close();

    const progress: [number, number | undefined, string | undefined][] = [];
    const answer = b.hub.command(host, "terminal.read", { workspaceId: "w", terminalId: "t" }, { onProgress: (value, total, message) => progress.push([value, total, message]) });
    await eventually("the command on A's socket", () => socket.commands().length === 1);
    const [command] = socket.commands();
    expect(command).toMatchObject({ name: "terminal.read", params: { workspaceId: "w", terminalId: "t" } });
    a.hub.receive(host.registrationId, { type: "progress", id: command!.id, progress: 1, total: 2, message: "reading" });
    await eventually("the progress on B", () => progress.length === 1);
    expect(progress).toEqual([[1, 2, "reading"]]);
    a.hub.receive(host.registrationId, { type: "result", id: command!.id, ok: true, result: screen });
    expect(await answer).toEqual(screen);

    const failing = b.hub.command(host, "workspace.delete", { id: "w" });
    await eventually("the second command on A's socket", () => socket.commands().length === 2);
    a.hub.receive(host.registrationId, { type: "result", id: socket.commands()[1]!.id, ok: false, error: { code: "invalid", message: "The main workspace cannot be deleted." } });
    expect(await failing.catch((e) => [(e as { kind: string }).kind, (e as Error).message])).toEqual(["invalid", "The main workspace cannot be deleted."]);

    a.hub.detach(host.registrationId, socket.link);
    await eventually("B to see the host offline", async () => !(await b.hub.isOnline(host.registrationId)));
    expect(((await b.hub.command(host, "inventory", {}).catch((e) => e)) as Error).message).toStartWith(
      'Host "build-box" (0123456789abcdef0123456789abcdef) is offline since 2026-11-20T08:00:00.000Z;',
    );
  });

  test("a call cancelled on B fails at once as cancelled, and A's host gets the abort frame for it", async () => {
    const { a, b, host, socket } = await hostOnA();
    const controller = new AbortController();
    const answer = b.hub.command(host, "project.create", { projectId: "p", gitUrl: "https://example.test/r.git" }, { signal: controller.signal });
    await eventually("the command on A's socket", () => socket.commands().length === 1);
    controller.abort();
    const error = (await answer.catch((e) => e)) as { kind: string; message: string };
    expect(error.kind).toBe("cancelled");
    expect(error.message).toStartWith('The call was cancelled before Host "build-box"');
    await eventually("the abort frame on A's socket", () => socket.frames.some((frame) => frame.type === "abort"));
    expect(socket.frames.find((frame) => frame.type === "abort")).toEqual({ type: "abort", id: socket.commands()[0]!.id });
  });

  test("a host that reconnects to C is found there: A lets its stale socket go and B's waiting call fails saying so", async () => {
    const { a, b, c: third, host, socket: onA } = await hostOnA(3);
    const c = third!;
    const waiting = b.hub.command(host, "workspace.update", { id: "w", name: "renamed" });
    await eventually("the command on A's socket", () => onA.commands().length === 1);

    const onC = recordingLink();
    c.hub.attach(host, onC.link);
    const error = (await waiting.catch((e) => e)) as Error;
    expect(error.message).toStartWith('Host "build-box" (0123456789abcdef0123456789abcdef) reconnected to another replica before it answered workspace.update;');
    await eventually("A to close its stale socket", () => onA.closes.length === 1);
    expect(onA.closes[0]!.code).toBe(4008);
    expect(a.hub.isConnectedHere(host.registrationId)).toBe(false);

    const answer = b.hub.command(host, "terminal.read", { workspaceId: "w", terminalId: "t" });
    await eventually("the command on C's socket", () => onC.commands().length === 1);
    c.hub.receive(host.registrationId, { type: "result", id: onC.commands()[0]!.id, ok: true, result: screen });
    expect(await answer).toEqual(screen);
  });

  test("the replica holding the host vanishes mid-call: B's call fails with a sentence instead of hanging; a holder nobody listens for fails at once", async () => {
    const { a, b, host, socket } = await hostOnA();
    const waiting = b.hub.command(host, "inventory", {});
    await eventually("the command on A's socket", () => socket.commands().length === 1);
    // As kill -9 does: A's connections end without a goodbye, and its presence key expires (deleted here rather than waited for).
    a.store.close();
    const raw = await inspector();
    await raw.del(`${prefix}:hosts:presence:${host.registrationId}`);
    expect(((await waiting.catch((e) => e)) as Error).message).toStartWith(
      'The replica holding Host "build-box" (0123456789abcdef0123456789abcdef)\'s connection went away before the host answered inventory;',
    );

    await raw.set(`${prefix}:hosts:presence:${host.registrationId}`, "a-replica-that-died", "EX", "15");
    expect(await b.hub.isOnline(host.registrationId)).toBe(true);
    expect(((await b.hub.command(host, "inventory", {}).catch((e) => e)) as Error).message).toStartWith("The replica holding Host");
    raw.close();
  });

  test("Redis stops answering: a call for a host on another replica fails naming the store; a host connected here keeps working", async () => {
    const redis = await startPrivateRedis();
    try {
      const [a, b] = [await replica(redis.url), await replica(redis.url)];
      const remote = testHost();
      const local = testHost({ name: "laptop" });
      a.hub.attach(remote, recordingLink().link);
      const here = recordingLink();
      b.hub.attach(local, here.link);
      await eventually("B to see the remote host online", () => b.hub.isOnline(remote.registrationId));
      await redis.stop();

      const error = (await b.hub.command(remote, "inventory", {}).catch((e) => e)) as { kind: string; message: string };
      expect(error.kind).toBe("unavailable");
      expect(error.message).toStartWith(
        'Host "build-box" (0123456789abcdef0123456789abcdef) is not connected to this replica, and the shared store (Redis) that carries calls to the replica holding it failed',
      );
      expect(await b.hub.isOnline(remote.registrationId)).toBe(false);

      expect(await b.hub.isOnline(local.registrationId)).toBe(true);
      const answer = b.hub.command(local, "terminal.read", { workspaceId: "w", terminalId: "t" });
      b.hub.receive(local.registrationId, { type: "result", id: here.commands()[0]!.id, ok: true, result: screen });
      expect(await answer).toEqual(screen);

      // Back, empty: the refresh writes the presence again and B routes to A once more.
      await redis.start();
      await eventually("the presence to be written again", () => b.hub.isOnline(remote.registrationId));
    } finally {
      await redis.dispose();
    }
  });

  test("a malformed routed message is dropped, and the replica goes on serving", async () => {
    const { a, b, host, socket } = await hostOnA();
    const raw = await inspector();
    for (const junk of [
      "not json",
      JSON.stringify({ type: "call", callId: "x" }),
      JSON.stringify({ type: "call", callId: "x", replyTo: b.router.replicaId, registrationId: host.registrationId, name: "rm -rf", params: {}, timeoutMs: 1 }),
    ]) {
      expect(await raw.publish(`${prefix}:hosts:replica:${a.router.replicaId}`, junk)).toBe(1);
    }
    raw.close();
    const answer = b.hub.command(host, "terminal.read", { workspaceId: "w", terminalId: "t" });
    await eventually("the command on A's socket", () => socket.commands().length === 1);
    expect(socket.commands().map((command) => command.name)).toEqual(["terminal.read"]);
    a.hub.receive(host.registrationId, { type: "result", id: socket.commands()[0]!.id, ok: true, result: screen });
    expect(await answer).toEqual(screen);
  });
});
