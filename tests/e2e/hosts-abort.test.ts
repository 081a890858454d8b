/**
 * A client that cancels its tool call (notifications/cancelled, MCP 2025-11-25 §Cancellation)
 * aborts the host command: a real server over HTTP, a real `superset host run` process, and a
 * clone stuck on a remote that never answers. Whether the POST is answered as an SSE stream (it
 * asked for progress) or as JSON, the cancellation kills the clone's git processes, removes its
 * folder, and no project row is made; the host serves the next call.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive } from "../../src/agent/process-session.ts";
import { DEV_USERNAME, initialize, request, toolResult } from "../helpers/app.ts";
import { actorFor } from "../helpers/fixtures.ts";
import { makeLocalRepo, removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { processesWith, startStuckRemote, type StuckRemote } from "../helpers/stuck-remote.ts";
import { agentProcess, listeningApp, registerHost, type ListeningApp } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";

setDefaultTimeout(60_000);

let t: ListeningApp;
let agent: ReturnType<typeof agentProcess>;
let session: string;
let remote: StuckRemote;

async function call(name: string, args: Record<string, unknown>) {
  const result = await toolResult(t.app, name, name === "hosts_list" ? args : { hostId: agent.hostId, ...args }, session);
  return { ...result, value: result.structuredContent as Record<string, any>, text: result.content[0]!.text };
}

beforeAll(async () => {
  remote = startStuckRemote();
  t = await listeningApp();
  agent = agentProcess({ baseUrl: t.baseUrl, token: await registerHost(t.services, await actorFor(t.services, DEV_USERNAME), "build-box"), env: { HOME: tempDir("superset-home-") } });
  session = await initialize(t.app);
  await eventually(`the agent to connect (its log: ${agent.output()})`, async () => (await call("hosts_list", {})).value.result[0]?.online === true);
});

afterAll(async () => {
  await agent.stop();
  await t.stop();
  remote.stop();
  removeTempDirs();
});

const postMcp = (body: unknown) =>
  fetch(`${t.baseUrl}/mcp`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "Mcp-Session-Id": session },
    body: JSON.stringify(body),
  });

/** Starts projects_create of a stuck clone over real HTTP and waits until git is at the remote; `cancel` sends notifications/cancelled for it. */
async function cancelledClone(name: string, meta: Record<string, unknown>) {
  const url = remote.url(name);
  const before = remote.requests;
  const body = request("tools/call", { name: "projects_create", arguments: { hostId: agent.hostId, gitUrl: url, name }, ...meta });
  const response = postMcp(body);
  await eventually("the clone to reach the remote", () => remote.requests > before);
  const pids = processesWith(url);
  expect(pids.length).toBeGreaterThan(0);
  const target = join(agent.dataDir, "projects", name);
  expect(existsSync(target)).toBe(true);
  const cancel = async () => expect((await postMcp({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: body.id, reason: "the user stopped it" } })).status).toBe(202);
  return { response, pids, target, cancel };
}

describe.skipIf(process.platform !== "linux")("a client that cancels its call aborts the host command", () => {
  test("a POST answered as SSE, cancelled, kills the clone and leaves no project", async () => {
    const clone = await cancelledClone("streamed", { _meta: { progressToken: "abort-1" } });
    const response = await clone.response;
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    await clone.cancel();
    await eventually("the clone's git processes to end", () => clone.pids.every((pid) => !isProcessAlive(pid)));
    await eventually("the partial clone to be removed", () => !existsSync(clone.target));
    expect((await call("projects_list", {})).value.result ?? []).toEqual([]);
  });

  test("a plain JSON POST, cancelled, does the same and is answered with a sentence; the host serves the next call", async () => {
    const clone = await cancelledClone("plain", {});
    await clone.cancel();
    const answer = (await (await clone.response).json()) as { result: { isError?: boolean; content: { text: string }[] } };
    expect(answer.result.isError).toBe(true);
    expect(answer.result.content[0]!.text).toStartWith("The call was cancelled before Host");
    await eventually("the clone's git processes to end", () => clone.pids.every((pid) => !isProcessAlive(pid)));
    await eventually("the partial clone to be removed", () => !existsSync(clone.target));
    const imported = await call("projects_create", { localPath: makeLocalRepo() });
    expect(imported.isError).toBeFalsy();
    const listed = (await call("projects_list", {})).value;
    expect(JSON.stringify(listed)).not.toContain("plain");
    expect(JSON.stringify(listed)).not.toContain("streamed");
  });
});
