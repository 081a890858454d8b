/**
 * The official SDK v2 client (@modelcontextprotocol/client 2.4.0, pinned to 2026-07-28, declaring
 * io.modelcontextprotocol/tasks) follows long host work on the built binary with a real
 * `superset host run` agent from the same file: projects_create from a file:// remote answers as a
 * task that tasks/get follows to completed with the project; a clone stuck on a loopback remote
 * that never answers is watched over subscriptions/listen and stopped by tasks/cancel.
 *
 * SDK 2.4.0 has no runtime for the tasks extension: its 2026 codec refuses a tools/call result
 * whose resultType is "task" (UnsupportedResultType, the taskId lost), which is why
 * @modelcontextprotocol/ext-tasks asks its callers for a raw dispatch on 2026-07-28. So the one
 * task-creating call goes over the SDK's own transport, framed as the client frames its
 * requests; tasks/get and tasks/cancel go through client.request with a schema (the SDK lets
 * those two names through for the extension), and listen is the SDK's client.listen.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  Client,
  PROTOCOL_VERSION_META_KEY,
  SdkErrorCode,
  StreamableHTTPClientTransport,
  type JSONRPCMessage,
  type SubscriptionFilter,
} from "@modelcontextprotocol/client";
import { join } from "node:path";
import * as v from "valibot";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { makeRemote, removeTempDirs } from "../helpers/git-repos.ts";
import { randomHostId } from "../helpers/hosts.ts";
import { MODERN_VERSION, WITH_TASKS } from "../helpers/modern-client.ts";

import { startStuckRemote, type StuckRemote } from "../helpers/stuck-remote.ts";
import { eventually } from "../helpers/eventually.ts";
setDefaultTimeout(60_000);

const CLIENT_INFO = { name: "e2e-sdk-v2-tasks", version: "1.0.0" };

/** What tasks/get answers (SEP-2663): the task, flat, with the tool's result once completed. */
const TaskSchema = v.looseObject({
  taskId: v.string(),
  status: v.picklist(["working", "input_required", "completed", "failed", "cancelled"]),
  statusMessage: v.optional(v.string()),
  result: v.optional(v.looseObject({ isError: v.optional(v.boolean()), structuredContent: v.optional(v.record(v.string(), v.any())) })),
});
type Task = v.InferOutput<typeof TaskSchema>;
const EmptySchema = v.looseObject({});
const TaskNotificationSchema = v.looseObject({ taskId: v.string(), status: v.string() });

let sandbox: Sandbox;
let server: RunningServer;
let client: Client;
let agent: ReturnType<typeof Bun.spawn>;
let hostId: string;
let agentLog = "";
let nextId = 1;
let remote: StuckRemote;

const getTask = (taskId: string) => client.request({ method: "tasks/get", params: { taskId } }, TaskSchema);
const cancelTask = (taskId: string) => client.request({ method: "tasks/cancel", params: { taskId } }, EmptySchema);

/**
 * projects_create on the SDK's transport, framed like the client's own requests (the envelope in
 * _meta; the transport adds MCP-Protocol-Version, Mcp-Method and Mcp-Name; hostId mirrored in
 * Mcp-Param-Host-Id as tools/list's x-mcp-header asks), answering the task the codec would refuse.
 */
async function createProjectTask(args: Record<string, unknown>): Promise<Record<string, any>> {
  const transport = new StreamableHTTPClientTransport(new URL(server.url));
  const id = `create-${nextId++}`;
  const answer = new Promise<JSONRPCMessage>((resolve, reject) => {
    transport.onmessage = (message) => "id" in message && message.id === id && resolve(message);
    transport.onerror = reject;
  });
  await transport.start();
  try {
    const meta = { [PROTOCOL_VERSION_META_KEY]: MODERN_VERSION, [CLIENT_CAPABILITIES_META_KEY]: WITH_TASKS, [CLIENT_INFO_META_KEY]: CLIENT_INFO };
    const request = { jsonrpc: "2.0" as const, id, method: "tools/call", params: { name: "projects_create", arguments: { hostId, ...args }, _meta: meta } };
    await transport.send(request, { headers: { "Mcp-Param-Host-Id": hostId } });
    const response = (await answer) as { result?: Record<string, any>; error?: unknown };
    if (!response.result) throw new Error(`projects_create failed: ${JSON.stringify(response.error)}`);
    return response.result;
  } finally {
    await transport.close();
  }
}

const tool = async (name: string, args: Record<string, unknown> = {}) => {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, any>;
};

beforeAll(async () => {
  remote = startStuckRemote();
  sandbox = await createSandbox();
  server = await sandbox.start();
  client = new Client(CLIENT_INFO, { capabilities: WITH_TASKS, versionNegotiation: { mode: { pin: MODERN_VERSION } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));

  const config = await sandbox.writeConfig(sandbox.baseConfig(), "cli.ts");
  const registered = await sandbox.run(["hosts", "register", "--org", "default", "--user", "admin", "--name", "task-box", "--config", config]);
  expect(registered.exitCode, registered.stderr).toBe(0);
  const token = /sk_host_[A-Za-z0-9_-]{43}/.exec(registered.stdout)![0];
  hostId = randomHostId();
  agent = Bun.spawn([sandbox.binary, "host", "run", "--server", server.url.replace(/\/mcp$/, ""), "--data-dir", join(sandbox.root, "host-data"), "--host-id", hostId], {
    cwd: sandbox.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(sandbox.root, "home"), SUPERSET_HOST_TOKEN: token },
    stdout: "ignore",
    stderr: "pipe",
  });
  void new Response(agent.stderr as ReadableStream).text().then((text) => (agentLog = text));
  await eventually(`the agent to connect (its log: ${agentLog})`, async () => (await tool("hosts_list")).result.some((host: Record<string, any>) => host.id === hostId && host.online));
});

afterAll(async () => {
  agent?.kill("SIGTERM");
  await agent?.exited;
  await client?.close();
  await sandbox?.dispose();
  remote?.stop();
  removeTempDirs();
});

describe.skipIf(process.platform !== "linux")("SDK v2 client and tasks on the built binary", () => {
  test("a clone from a file:// remote answers as a task, and tasks/get follows it to completed with the project", async () => {
    expect(client.getProtocolEra()).toBe("modern");
    const origin = makeRemote({ name: "sdk-widget.git" });
    // Why the creating call bypasses callTool: the SDK's 2026 codec refuses the task result (the server still starts the clone).
    const refused = await client.callTool({ name: "projects_create", arguments: { hostId, gitUrl: origin.url, name: "sdk-refused" } }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: SdkErrorCode.UnsupportedResultType });
    const task = await createProjectTask({ gitUrl: origin.url, name: "sdk-widget" });
    // Plain values only: bun's toMatchObject writes asymmetric matchers into the object it checks.
    expect(task).toMatchObject({ resultType: "task", status: "working" });
    expect(typeof task.taskId).toBe("string");
    expect(task.pollIntervalMs).toBeGreaterThan(0);

    await eventually("the clone task to finish", async () => (await getTask(task.taskId)).status !== "working");
    const finished: Task = await getTask(task.taskId);
    expect(finished).toMatchObject({ taskId: task.taskId, status: "completed" });
    expect(finished.result?.isError).toBeFalsy();
    expect(finished.result?.structuredContent).toMatchObject({ project: { name: "sdk-widget", repoUrl: origin.url }, created: true });
    const listed = await tool("projects_list", { hostId });
    expect(JSON.stringify(listed)).toContain(finished.result!.structuredContent!.project.id);
  });

  test("listen on a stuck clone's task sees notifications/tasks, and tasks/cancel leaves it cancelled", async () => {
    const url = remote.url("stuck");
    const before = remote.requests;
    const { taskId } = await createProjectTask({ gitUrl: url, name: "sdk-stuck" });
    await eventually("the clone to reach the remote", () => remote.requests > before);
    expect((await getTask(taskId)).status).toBe("working");

    const seen: v.InferOutput<typeof TaskNotificationSchema>[] = [];
    client.setNotificationHandler("notifications/tasks", { params: TaskNotificationSchema }, (params) => void seen.push(params));
    // taskIds is the tasks extension's filter, beyond the SDK's SubscriptionFilter: the SDK sends it
    // as given but drops it from the acknowledgement it parses (honoredFilter comes back {}).
    const subscription = await client.listen({ taskIds: [taskId] } as SubscriptionFilter);
    try {
      expect(await cancelTask(taskId)).toBeDefined();
      await eventually("notifications/tasks with the cancelled status", () => seen.some((note) => note.taskId === taskId && note.status === "cancelled"));
      expect(seen.every((note) => note.taskId === taskId)).toBe(true);
    } finally {
      await subscription.close();
    }
    expect((await getTask(taskId)).status).toBe("cancelled");
    // Cancelling a finished task changes nothing.
    await cancelTask(taskId);
    expect((await getTask(taskId)).status).toBe("cancelled");
  });
});
