/**
 * /hosts/connect over a real socket: who gets an upgrade, what a bad hello or a wrong token gets,
 * and presence as hosts_list shows it when an in-process agent connects and goes away.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CloseCode, type ServerFrame } from "../../src/hosts/protocol.ts";
import { DEV_USERNAME, initialize, toolResult } from "../helpers/app.ts";
import { actorFor } from "../helpers/fixtures.ts";
import { inProcessAgent, listeningApp, randomHostId, registerHost, type ListeningApp } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

let t: ListeningApp;
let token: string;
let wsUrl: string;

beforeAll(async () => {
  t = await listeningApp();
  token = await registerHost(t.services, await actorFor(t.services, DEV_USERNAME), "socket-box");
  wsUrl = `${t.baseUrl.replace("http", "ws")}/hosts/connect`;
});
afterAll(() => t.stop());

/** Opens a socket with `headers`, sends `frames`, and resolves with what came back and how it closed. */
function converse(headers: Record<string, string>, frames: unknown[]): Promise<{ opened: boolean; received: ServerFrame[]; code: number; reason: string }> {
  return new Promise((resolve) => {
    const received: ServerFrame[] = [];
    let opened = false;
    const ws = new WebSocket(wsUrl, { headers } as unknown as string[]);
    ws.onopen = () => {
      opened = true;
      for (const frame of frames) ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    };
    ws.onmessage = (event) => {
      received.push(JSON.parse(String(event.data)));
      if (received.length === 1) setTimeout(() => ws.close(1000), 50);
    };
    ws.onclose = (event) => resolve({ opened, received, code: event.code, reason: event.reason });
  });
}

const hello = (hostId: string) => ({
  type: "hello",
  hostId,
  name: "raw",
  platform: "linux-x64",
  agentVersion: "test",
  capabilities: { git: true, gh: false, pty: true },
  inventory: { projects: [], workspaces: [], terminals: [] },
});

describe("/hosts/connect", () => {
  test("no host token: no upgrade", async () => {
    const plain = await fetch(`${t.baseUrl}/hosts/connect`, {
      headers: { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" },
    });
    expect(plain.status).toBe(401);
    expect((await converse({}, [])).opened).toBe(false);
    expect((await converse({ Authorization: "Bearer sk_live_notahosttoken" }, [])).opened).toBe(false);
  });

  test("an unknown host token is closed with 4001 and a reason", async () => {
    const result = await converse({ Authorization: `Bearer sk_host_${"A".repeat(43)}` }, [hello(randomHostId())]);
    expect(result.code).toBe(CloseCode.tokenRejected);
    expect(result.reason).toStartWith("Host token rejected");
  });

  test("garbage, a non-hello first frame and a bad host id are refused without harm", async () => {
    const auth = { Authorization: `Bearer ${token}` };
    expect((await converse(auth, ["{not json"])).code).toBe(CloseCode.badFrame);
    expect((await converse(auth, [{ type: "heartbeat" }])).code).toBe(CloseCode.badFrame);
    expect((await converse(auth, [{ ...hello("../../etc"), hostId: "../../etc" }])).code).toBe(CloseCode.badFrame);
    expect((await t.services.hosts.listForOrganization((await actorFor(t.services, DEV_USERNAME)).organizationId)).every((host) => host.id === null)).toBe(true);
  });

  test("a good hello is welcomed; the token is then bound to that machine", async () => {
    const hostId = randomHostId();
    const result = await converse({ Authorization: `Bearer ${token}` }, [hello(hostId)]);
    expect(result.received[0]).toMatchObject({ type: "welcome", hostId, heartbeatSeconds: 15 });
    const other = await converse({ Authorization: `Bearer ${token}` }, [hello(randomHostId())]);
    expect(other.code).toBe(CloseCode.hostIdMismatch);
    // Give the bound machine back to the next test's agent.
    const again = await converse({ Authorization: `Bearer ${token}` }, [hello(hostId)]);
    expect(again.received[0]).toMatchObject({ type: "welcome" });
    boundHostId = hostId;
  });

  test("hosts_list shows the agent online while it is connected, and offline with lastSeenAt after", async () => {
    const session = await initialize(t.app);
    const agent = inProcessAgent({ baseUrl: t.baseUrl, token, hostId: boundHostId });
    await eventually("the agent to connect", () => agent.isConnected());
    const listed = (await toolResult(t.app, "hosts_list", {}, session)).structuredContent as { result: { id: string; online: boolean; lastSeenAt: string | null }[] };
    expect(listed.result).toEqual([expect.objectContaining({ id: boundHostId, name: "socket-box", online: true })]);
    await agent.stop();
    await eventually("the host to go offline", async () => {
      const after = (await toolResult(t.app, "hosts_list", {}, session)).structuredContent as typeof listed;
      return after.result[0]!.online === false && after.result[0]!.lastSeenAt !== null;
    });
    const offline = await toolResult(t.app, "workspaces_list", { hostId: boundHostId }, session);
    expect(offline.structuredContent).toMatchObject({ source: "last_known" });
    const refused = await toolResult(t.app, "terminals_list", { hostId: boundHostId, workspaceId: crypto.randomUUID() }, session);
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toContain(`Host "socket-box" (${boundHostId}) is offline since`);
  });
});

let boundHostId = "";
