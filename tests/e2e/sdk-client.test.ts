/**
 * The built binary driven by the MCP TypeScript SDK's own client over Streamable HTTP. The client
 * validates every structuredContent against the outputSchema tools/list gave it, so a tool whose
 * result drifts from its schema fails here as it would in a real client.
 */
import { ALL_TOOLS } from "../../src/tools/index.ts";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createSandbox, hasNodeModulesAbove, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { callTool as call, connectSdkClient, type SdkConnection as Connection } from "../helpers/sdk-client.ts";

// Building and starting the binary and running external clients take seconds on a busy 2-core machine.
setDefaultTimeout(60_000);

const TOOL_NAMES = ALL_TOOLS.map((tool) => tool.name);

interface Task {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  statusId: string;
  priority: string;
  labels: string[] | null;
  startedAt: string | null;
}
interface Status {
  id: string;
  name: string;
  type: string;
}

/** A connected client that has listed the tools, so callTool validates output against their schemas. */
async function connect(url: string): Promise<Connection> {
  const connection = await connectSdkClient(url, "superset-e2e");
  await connection.client.listTools();
  return connection;
}

describe("SDK client against the built binary", () => {
  let sandbox: Sandbox;
  let server: RunningServer;
  let connection: Connection;

  beforeAll(async () => {
    sandbox = await createSandbox();
    server = await sandbox.start();
    connection = await connect(server.url);
  });

  afterAll(async () => {
    await connection?.client.close();
    await sandbox?.dispose();
  });

  test("the binary runs from a temp dir with no node_modules in reach", () => {
    expect(hasNodeModulesAbove(sandbox.binary)).toBe(false);
    expect(hasNodeModulesAbove(sandbox.cwd)).toBe(false);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/mcp`);
  });

  test("initialize reports the server and its capabilities", () => {
    const { client } = connection;
    expect(client.getServerVersion()?.name).toBe("superset");
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, logging: {} });
    expect(client.getInstructions()).toContain("tasks_delete");
    expect(connection.transport.sessionId).toBeString();
  });

  test("tools/list shows every tool, each with an output schema and annotations", async () => {
    const { tools } = await connection.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOL_NAMES].sort());
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(typeof tool.annotations?.readOnlyHint, tool.name).toBe("boolean");
    }
  });

  test("every tool answers with structured content that matches its output schema", async () => {
    const { client } = connection;
    const health = await call<{ status: string; database: string }>(client, "health_check");
    expect(health).toMatchObject({ status: "ok", database: "ok" });

    const { members } = await call<{ members: { id: string; username: string; role: string }[] }>(client, "organization_members_list");
    expect(members).toContainEqual(expect.objectContaining({ username: "admin", role: "owner" }));
    const admin = members.find((member) => member.username === "admin")!;

    const { statuses } = await call<{ statuses: Status[] }>(client, "tasks_statuses_list");
    const started = statuses.find((status) => status.type === "started");
    expect(started, `no started status in ${JSON.stringify(statuses)}`).toBeDefined();

    const { task } = await call<{ task: Task }>(client, "tasks_create", {
      title: "Ship the e2e suite",
      description: "Drive the binary with the SDK client",
      priority: "high",
      assigneeId: admin.id,
      labels: ["e2e"],
    });
    expect(task).toMatchObject({ title: "Ship the e2e suite", priority: "high", labels: ["e2e"] });
    expect(task.slug).toBeTruthy();

    const listed = await call<{ result: { task: Task; statusName: string }[]; nextOffset: number | null }>(client, "tasks_list", { search: "e2e suite" });
    expect(listed.result.map((item) => item.task.id)).toContain(task.id);

    for (const idOrSlug of [task.id, task.slug]) {
      const { result } = await call<{ result: Task | null }>(client, "tasks_get", { idOrSlug });
      expect(result?.id, `tasks_get ${idOrSlug}`).toBe(task.id);
    }

    const updated = await call<{ task: Task }>(client, "tasks_update", { id: task.id, statusId: started!.id, title: "Ship the e2e suite today" });
    expect(updated.task).toMatchObject({ id: task.id, statusId: started!.id, title: "Ship the e2e suite today" });
    expect(updated.task.startedAt).toBeString();

    expect(await call(client, "tasks_delete", { id: task.id })).toEqual({ deleted: true, id: task.id });
    expect(await call(client, "tasks_get", { idOrSlug: task.id })).toEqual({ result: null });
  });

  test("the binary's scheduler fires an automation at its time, on the real clock", async () => {
    const { client } = connection;
    expect(await call(client, "health_check")).toMatchObject({ scheduler: "running" });
    // Two whole seconds from now, daily: the first occurrence is dtstart itself.
    const dtstart = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000).toISOString();
    const { automation } = await call<{ automation: { id: string; nextRunAt: string; scheduleText: string } }>(client, "automations_create", {
      name: "Binary scheduler check",
      prompt: "Say hello.",
      agent: "claude",
      rrule: "FREQ=DAILY",
      timezone: "Europe/Berlin",
      dtstart,
    });
    expect(automation.nextRunAt).toBe(dtstart);
    let runs: { trigger: string; scheduledFor: string; status: string; error: string }[] = [];
    const deadline = Date.now() + 15_000;
    while (runs.length === 0 && Date.now() < deadline) {
      await Bun.sleep(200);
      runs = (await call<{ result: typeof runs }>(client, "automations_logs", { automationId: automation.id })).result;
    }
    // The dev user has no host: the run is recorded with what to do about it.
    expect(runs).toEqual([expect.objectContaining({ trigger: "schedule", scheduledFor: dtstart, status: "dispatch_failed" })]);
    expect(runs[0]!.error).toContain("superset hosts register");
  });

  test("a tool's refusal is a result with isError and a sentence, not a protocol error", async () => {
    const result = await connection.client.callTool({ name: "tasks_create", arguments: { title: "" } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain("title");
  });

  test("ping and logging/setLevel answer", async () => {
    expect(await connection.client.ping()).toEqual({});
    expect(await connection.client.setLoggingLevel("debug")).toEqual({});
  });

  test("a task outlives the server process: a fresh process (without a scheduler) on the same database and a fresh client see it", async () => {
    const { task } = await call<{ task: Task }>(connection.client, "tasks_create", { title: "Persisted across restarts" });
    await connection.client.close();
    expect(await server.stop(), "SIGTERM should shut the server down with exit code 0").toBe(0);

    // This process serves MCP only: another process may run the schedules (SCHEDULER_ENABLED: false).
    server = await sandbox.start({ config: { SCHEDULER_ENABLED: false } });
    connection = await connect(server.url);
    const { result } = await call<{ result: Task | null }>(connection.client, "tasks_get", { idOrSlug: task.slug });
    expect(result).toMatchObject({ id: task.id, title: "Persisted across restarts" });
    expect(await call(connection.client, "health_check")).toMatchObject({ scheduler: "off" });
  });

  test("terminateSession ends the session: its id is refused afterwards", async () => {
    const { client, transport } = await connect(server.url);
    const sessionId = transport.sessionId!;
    expect(sessionId).toBeString();
    await transport.terminateSession();
    expect(transport.sessionId).toBeUndefined();

    const response = await fetch(server.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "Mcp-Session-Id": sessionId },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(response.status).toBe(404);
    await client.close();
  });
});
