/**
 * SIGTERM on the built binary with work in flight, on SQLite and PostgreSQL. Fifty tool calls
 * whose bodies are still arriving, a POST answered as SSE, an open GET stream and a connected
 * host agent: every call gets its full answer, the GET stream ends cleanly, a request pipelined
 * on a kept-alive connection gets 503, a new connection is refused, the agent is told "going
 * away", and the process exits 0. A request that never finishes is cut at the drain deadline
 * with a non-zero exit and a log line saying so.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { createSandbox, logMessages, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { DATABASES, type TestDatabase } from "../helpers/databases.ts";
import { holdRequest, type HeldRequest } from "../helpers/held-requests.ts";
import { randomHostId } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";

setDefaultTimeout(120_000);

const PROTOCOL_VERSION = "2025-11-25";
const IN_FLIGHT = 50;
const DRAINING = /^Draining/;

const jsonHeaders = (sessionId?: string) => ({
  Host: "127.0.0.1",
  "Content-Type": "application/json",
  Accept: "application/json, text/event-stream",
  "MCP-Protocol-Version": PROTOCOL_VERSION,
  ...(sessionId && { "Mcp-Session-Id": sessionId }),
});

async function openSession(url: string): Promise<string> {
  const initialize = await fetch(url, {
    method: "POST",
    headers: jsonHeaders(),
    body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "superset-e2e-stop", version: "1.0.0" } } }),
  });
  expect(initialize.status).toBe(200);
  await initialize.text();
  const sessionId = initialize.headers.get("mcp-session-id")!;
  const initialized = await fetch(url, { method: "POST", headers: jsonHeaders(sessionId), body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
  expect(initialized.status).toBe(202);
  return sessionId;
}

const toolCall = (id: number, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args, ...(meta && { _meta: meta }) } });

/** The records of the server's JSON log whose message matches. */
function logRecords(server: RunningServer, message: RegExp): Record<string, unknown>[] {
  return server
    .stderr()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => message.test(String(record.message)));
}

/** `superset host run` from the same binary, with its JSON log kept for the test to read. */
function startAgent(sandbox: Sandbox, server: RunningServer, token: string) {
  const child = Bun.spawn([sandbox.binary, "host", "run", "--server", server.url.replace(/\/mcp$/, ""), "--data-dir", join(sandbox.root, "host-data"), "--host-id", randomHostId()], {
    cwd: sandbox.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(sandbox.root, "home"), SUPERSET_HOST_TOKEN: token },
    stdout: "ignore",
    stderr: "pipe",
  });
  let log = "";
  void (async () => {
    const decoder = new TextDecoder();
    const reader = child.stderr.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) log += decoder.decode(chunk.value, { stream: true });
  })();
  return { log: () => log, child };
}

/** Reads an SSE response to its end; rejects if the connection is reset instead. */
async function readToEnd(response: Response): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
  return text;
}

const POSTGRES = DATABASES.find((variant) => variant.name === "PostgreSQL");
const VARIANTS = ["SQLite", ...(POSTGRES ? ["PostgreSQL"] : [])] as const;

for (const variant of VARIANTS) {
  describe(`graceful stop on ${variant}`, () => {
    let sandbox: Sandbox;
    let postgres: TestDatabase | undefined;
    let databaseUrl: string;

    beforeAll(async () => {
      sandbox = await createSandbox();
      postgres = variant === "PostgreSQL" ? await POSTGRES!.open() : undefined;
      databaseUrl = postgres?.url ?? sandbox.databaseUrl;
    });

    afterAll(async () => {
      await sandbox?.dispose();
      await postgres?.dispose();
    });

    test(`SIGTERM answers all ${IN_FLIGHT} requests in flight, ends the streams and exits 0`, async () => {
      const config = { DATABASE_URL: databaseUrl, MCP_SHUTDOWN_TIMEOUT_SECONDS: 30 };
      const server = await sandbox.start({ config });
      const cliConfig = await sandbox.writeConfig({ ...sandbox.baseConfig(), ...config });
      const registered = await sandbox.run(["hosts", "register", "--org", "default", "--user", "admin", "--name", "drain-box", "--config", cliConfig]);
      expect(registered.exitCode, registered.stderr).toBe(0);
      const agent = startAgent(sandbox, server, /sk_host_[A-Za-z0-9_-]{43}/.exec(registered.stdout)![0]);
      const held: HeldRequest[] = [];
      try {
        await eventually("the agent to connect", () => logMessages(agent.log()).includes("connected"));
        const sessionId = await openSession(server.url);

        const stream = await fetch(server.url, { headers: { Accept: "text/event-stream", "Mcp-Session-Id": sessionId, "MCP-Protocol-Version": PROTOCOL_VERSION } });
        expect(stream.status).toBe(200);
        const streamText = readToEnd(stream);

        // A kept-alive connection with nothing in flight: Bun closes it as the drain begins.
        const idle = holdRequest(server.port, { path: "/mcp", headers: jsonHeaders(sessionId), body: toolCall(0, "tasks_statuses_list", {}), sentBytes: Number.MAX_SAFE_INTEGER });
        expect((await idle.answers(1))[0]!.status).toBe(200);
        held.push(idle);
        const inFlight: HeldRequest[] = [];
        for (let i = 1; i <= IN_FLIGHT; i++)
          inFlight.push(holdRequest(server.port, { path: "/mcp", headers: jsonHeaders(sessionId), body: toolCall(i, "tasks_create", { title: `Drained task ${i}` }) }));
        const streamed = holdRequest(server.port, { path: "/mcp", headers: jsonHeaders(sessionId), body: toolCall(IN_FLIGHT + 1, "tasks_statuses_list", {}, { progressToken: "drain" }) });
        held.push(...inFlight, streamed);
        await Promise.all([...inFlight, streamed].map((request) => request.accepted));

        server.kill("SIGTERM");
        await eventually("the server to log that it is draining", () => logRecords(server, DRAINING).length > 0);
        // The 50 calls, the streamed POST and the GET stream; the idle connection holds no request.
        expect(logRecords(server, DRAINING)[0]).toMatchObject({ level: "info", requests: IN_FLIGHT + 2, hostSockets: 1, timeoutSeconds: 30 });

        expect(await streamText).toStartWith(": stream open");
        // Closed by the server (not reset) the moment the drain began.
        expect(await idle.closed).toEqual({ error: null });
        // Refused, not reset or timed out: nothing listens on the port any more.
        await expect(fetch(`http://127.0.0.1:${server.port}/health`)).rejects.toMatchObject({ code: "ECONNREFUSED" });

        for (const request of [...inFlight, streamed]) request.finish();
        const answers = await Promise.all(inFlight.map(async (request) => (await request.answers(1))[0]!));
        answers.forEach((answer, index) => {
          expect(answer.status).toBe(200);
          const body = JSON.parse(answer.body);
          expect(body.id).toBe(index + 1);
          expect(body.result.structuredContent.task.title).toBe(`Drained task ${index + 1}`);
        });

        const [sse] = await streamed.answers(1);
        expect(sse!.status).toBe(200);
        expect(sse!.headers["content-type"]).toStartWith("text/event-stream");
        const events = sse!.body
          .split("\n")
          .filter((line) => line.startsWith("data: "))
          .map((line) => JSON.parse(line.slice(6)));
        expect(events.at(-1)).toMatchObject({ id: IN_FLIGHT + 1, result: { structuredContent: { statuses: expect.arrayContaining([expect.objectContaining({ name: "Backlog" })]) } } });

        // Once its answer is out Bun closes the connection, so a client's next request takes a new one, which is refused.
        for (const request of inFlight) expect(await request.closed).toEqual({ error: null });
        expect(await server.exited).toBe(0);
        expect(logRecords(server, /^Drain finished/)[0]).toMatchObject({ timedOut: false, cut: 0 });
        await eventually("the agent to be told the server is going away", () => agent.log().includes('"code":1001'));
      } finally {
        for (const request of held) request.destroy();
        agent.child.kill("SIGTERM");
        await agent.child.exited;
      }

      // The 50 tasks were written and the database was closed cleanly: a new server finds them all.
      const again = await sandbox.start({ config });
      const listed = await fetch(again.url, { method: "POST", headers: jsonHeaders(), body: toolCall(1, "tasks_list", { search: "Drained task", limit: 100 }) });
      const { result } = await listed.json();
      expect(result.structuredContent.result).toHaveLength(IN_FLIGHT);
      again.kill("SIGINT");
      expect(await again.exited).toBe(0);
    });

    test("a request that never finishes is cut at MCP_SHUTDOWN_TIMEOUT_SECONDS with a non-zero exit", async () => {
      const server = await sandbox.start({ config: { DATABASE_URL: databaseUrl, MCP_SHUTDOWN_TIMEOUT_SECONDS: 1 } });
      const stuck = holdRequest(server.port, { path: "/mcp", headers: jsonHeaders(), body: toolCall(1, "tasks_list", {}) });
      try {
        await stuck.accepted;
        server.kill("SIGTERM");
        expect(await server.exited).toBe(1);
        const [timedOut] = logRecords(server, /^Drain timed out after 1 s/);
        expect(timedOut).toMatchObject({ level: "error", cut: 1 });
        expect(String(timedOut!.message)).toContain("cutting 1 connection(s)");
        await expect(stuck.answers(1)).rejects.toThrow("closed after 0 of 1 answers");
      } finally {
        stuck.destroy();
      }
    });
  });
}

if (!POSTGRES) {
  if (process.env.CI) {
    test("graceful stop on PostgreSQL (TEST_DATABASE_URL is required when CI is set)", () => {
      throw new Error("CI is set but TEST_DATABASE_URL is not: set it to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test) so the graceful stop runs on both databases.");
    });
  } else {
    console.warn("TEST_DATABASE_URL is not set: graceful stop on PostgreSQL is skipped.");
    test.skip("graceful stop on PostgreSQL (TEST_DATABASE_URL not set)", () => {});
  }
}
