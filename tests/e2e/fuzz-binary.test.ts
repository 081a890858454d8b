/**
 * The fuzz of tests/mcp/fuzz.test.ts, shorter, against the built binary over real HTTP: mutated
 * messages of both eras and argument sweeps over every tool get no 5xx and no leak, the server
 * logs no internal fault, and it still answers both eras afterwards.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { ToolDescriptor } from "../../src/mcp/tool-calls.ts";
import { INITIALIZE_PARAMS } from "../helpers/app.ts";
import { createSandbox, logMessages, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { createFuzzer, sendableHeaders, unsafeAnswer, type FuzzRequest } from "../helpers/fuzz.ts";
import { sendModern } from "../helpers/modern-client.ts";

setDefaultTimeout(60_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const MESSAGES = 800;
const SWEEPS_PER_TOOL = 5;

let sandbox: Sandbox;
let server: RunningServer;
let sessionId: string;
let tools: ToolDescriptor[];

const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };

async function rpc(method: string, params: Record<string, unknown> | undefined, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.url, { method: "POST", headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, ...(params && { params }) }) });
}

/** Sends one fuzz request over HTTP (fetch sets Host itself) and notes an unsafe answer. */
async function send({ body, headers, what }: FuzzRequest, problems: string[]): Promise<number> {
  const { Host: _host, ...rest } = sendableHeaders(headers);
  const response = await fetch(server.url, { method: "POST", headers: rest, body });
  const problem = unsafeAnswer(response.status, await response.text());
  if (problem) problems.push(`${what}: ${problem}`);
  return response.status;
}

beforeAll(async () => {
  sandbox = await createSandbox();
  server = await sandbox.start({ config: { MCP_RATE_LIMIT: { enabled: false } } });
  const initialized = await rpc("initialize", INITIALIZE_PARAMS);
  sessionId = initialized.headers.get("mcp-session-id")!;
  tools = ((await (await rpc("tools/list", undefined, { "Mcp-Session-Id": sessionId })).json()) as { result: { tools: ToolDescriptor[] } }).result.tools;
});
afterAll(async () => {
  await sandbox?.dispose();
});

test(`the binary answers mutated messages and argument sweeps of both eras without a 5xx, a leak or a logged fault (seed ${SEED})`, async () => {
  const fuzzer = createFuzzer(SEED, tools, sessionId);
  const problems: string[] = [];
  const statuses = new Set<number>();
  for (let i = 0; i < MESSAGES; i++) {
    const request = fuzzer.mutated();
    statuses.add(await send({ ...request, what: `message ${i} (${request.what})` }, problems));
  }
  // Past the origin check and into dispatch: answers as well as refusals.
  for (const status of [200, 400, 404]) expect(statuses.has(status)).toBe(true);
  for (const tool of tools) {
    for (const [index, args] of fuzzer.sweeps(tool, SWEEPS_PER_TOOL).entries()) {
      for (const request of fuzzer.toolCalls(tool, args, index)) await send(request, problems);
    }
  }
  expect(problems).toEqual([]);
  expect(logMessages(server.stderr()).filter((message) => /failed|internal/i.test(message))).toEqual([]);

  const fresh = (await rpc("initialize", INITIALIZE_PARAMS)).headers.get("mcp-session-id")!;
  const listed = (await (await rpc("tools/call", { name: "tasks_list", arguments: {} }, { "Mcp-Session-Id": fresh })).json()) as { result: { isError?: boolean } };
  expect(listed.result.isError).toBeUndefined();
  expect((await sendModern({ baseUrl: new URL(server.url).origin }, "server/discover", {})).status).toBe(200);
});
