/**
 * MCP sessions across three replicas behind nginx round-robin, with the store on: the SDK v1
 * client keeps one 2025-11-25 session over 50 calls that land on every replica, the SDK v2 client
 * works over 2026-07-28, a session ended on one replica is ended on all, and SIGKILL of the replica
 * that served the last request leaves the session intact for the next calls.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernHttpTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { postMcp } from "../helpers/http-session.ts";
import { replicasAvailable, startReplicaSet, type Replica, type ReplicaSet } from "../helpers/replicas.ts";

// The first test file to need the binary builds it.
setDefaultTimeout(120_000);

const CALLS = 50;

describe("MCP sessions across three replicas behind nginx", () => {
  if (!replicasAvailable("MCP sessions across three replicas behind nginx")) return;
  let set: ReplicaSet;

  beforeAll(async () => {
    set = await startReplicaSet();
  });
  afterAll(async () => {
    await set?.dispose();
  });

  /** An SDK v1 client connected through nginx, and the replicas that served each of its requests. */
  async function legacyClient() {
    const { fetch, served } = set.recordingFetch();
    const transport = new StreamableHTTPClientTransport(new URL(`${set.url}/mcp`), { fetch });
    const client = new Client({ name: "e2e-replicas-v1", version: "1.0.0" });
    await client.connect(transport);
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
      return result.structuredContent as Record<string, any>;
    };
    return { client, transport, served, call };
  }

  const indexes = (replicas: Replica[]) => new Set(replicas.map((replica) => replica.index));

  test(`the SDK v1 client keeps one session over ${CALLS} calls that land on every replica`, async () => {
    const { client, transport, served, call } = await legacyClient();
    try {
      const sessionId = transport.sessionId;
      expect(sessionId).toBeString();
      const created = await call("tasks_create", { title: `replicated ${crypto.randomUUID()}` });
      const before = served.length;
      for (let i = 0; i < CALLS; i++) {
        const { result } = await call("tasks_get", { idOrSlug: created.task.id });
        expect(result.title).toBe(created.task.title);
      }
      expect(transport.sessionId).toBe(sessionId);
      expect(indexes(served.slice(before))).toEqual(indexes(set.replicas));
    } finally {
      await client.close();
    }
  });

  test("the SDK v2 client works over 2026-07-28 through nginx, on every replica", async () => {
    const { fetch, served } = set.recordingFetch();
    const client = new ModernClient({ name: "e2e-replicas-v2", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
    await client.connect(new ModernHttpTransport(new URL(`${set.url}/mcp`), { fetch }));
    try {
      expect(client.getProtocolEra()).toBe("modern");
      for (let i = 0; i < 6; i++) {
        const result = await client.callTool({ name: "health_check", arguments: {} });
        expect((result as { structuredContent: Record<string, unknown> }).structuredContent).toMatchObject({ store: "redis" });
      }
      expect(indexes(served)).toEqual(indexes(set.replicas));
    } finally {
      await client.close();
    }
  });

  test("a session ended through one replica is unknown to every replica", async () => {
    const { client, transport } = await legacyClient();
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    await client.close();
    for (const replica of set.replicas) {
      const response = await postMcp(`${replica.directUrl}/mcp`, { jsonrpc: "2.0", id: 1, method: "ping" }, sessionId);
      expect(response.status, `replica ${replica.index}`).toBe(404);
    }
  });

  test("SIGKILL of the replica that served the last request mid-session: the next calls succeed on the others, the session intact", async () => {
    const { client, transport, served, call } = await legacyClient();
    let victim: Replica | undefined;
    try {
      const sessionId = transport.sessionId;
      const { task } = await call("tasks_create", { title: `survivor ${crypto.randomUUID()}` });
      victim = served.at(-1)!;
      await set.kill(victim.index);
      const after = served.length;
      for (let i = 0; i < 10; i++) expect((await call("tasks_get", { idOrSlug: task.id })).result.id).toBe(task.id);
      expect(transport.sessionId).toBe(sessionId);
      const survivors = indexes(served.slice(after));
      expect(survivors.has(victim.index)).toBe(false);
      expect(survivors.size).toBe(set.replicas.length - 1);
    } finally {
      await client.close();
      if (victim) await set.restart(victim.index);
    }
  });
});
