/**
 * A seeded, bounded fuzz of the MCP endpoint on the in-process app (tests/helpers/fuzz.ts makes
 * the requests): mutated messages of both eras and random and hostile argument sweeps over every
 * tool. No answer may be a 5xx, an internal error, a stack trace or a file path; afterwards the
 * server still answers both eras. FUZZ_SEED picks another sequence (the seed is in the test
 * names, to replay a failure); tests/e2e/fuzz-binary.test.ts runs a shorter fuzz on the binary.
 */
import { beforeAll, expect, test } from "bun:test";
import type { ToolDescriptor } from "../../src/mcp/tool-calls.ts";
import { call, createTestApp, initialize, MCP_URL, type TestApp } from "../helpers/app.ts";
import { createFuzzer, sendableHeaders, unsafeAnswer, type FuzzRequest } from "../helpers/fuzz.ts";
import { sendModern } from "../helpers/modern-client.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const MESSAGES = 5000;
const SWEEPS_PER_TOOL = 25;

let t: TestApp;
let fuzzer: ReturnType<typeof createFuzzer>;
let tools: ToolDescriptor[];

/** Sends one fuzz request and returns its status, or a problem when the answer is unsafe. */
async function send({ body, headers, what }: FuzzRequest, problems: string[]): Promise<number> {
  const response = await t.app.handle(new Request(MCP_URL, { method: "POST", headers: sendableHeaders(headers), body }));
  const problem = unsafeAnswer(response.status, await response.text());
  if (problem) problems.push(`${what}: ${problem}`);
  return response.status;
}

beforeAll(async () => {
  // Thousands of requests from one address: the rate limit is not what is fuzzed here.
  t = await createTestApp({ MCP_RATE_LIMIT: { enabled: false, requests: 1, window_seconds: 1 } });
  const sessionId = await initialize(t.app);
  tools = (await call<{ tools: ToolDescriptor[] }>(t.app, "tools/list", undefined, sessionId)).result!.tools;
  fuzzer = createFuzzer(SEED, tools, sessionId);
});

test(`mutated JSON-RPC messages of both eras get no 5xx, no internal error and no leak (seed ${SEED})`, async () => {
  const problems: string[] = [];
  const statuses = new Set<number>();
  for (let i = 0; i < MESSAGES; i++) {
    const request = fuzzer.mutated();
    statuses.add(await send({ ...request, what: `message ${i} (${request.what})` }, problems));
  }
  expect(problems).toEqual([]);
  // The mutations reach past the first checks: answers, refusals of several kinds, and unknown methods.
  for (const status of [200, 202, 400, 404]) expect(statuses.has(status)).toBe(true);
}, 60_000);

test(`random and hostile arguments over every tool, in both eras, get no internal error (seed ${SEED})`, async () => {
  const problems: string[] = [];
  for (const tool of tools) {
    for (const [index, args] of fuzzer.sweeps(tool, SWEEPS_PER_TOOL).entries()) {
      for (const request of fuzzer.toolCalls(tool, args, index)) await send(request, problems);
    }
  }
  expect(problems).toEqual([]);
}, 60_000);

test("the server still answers both eras afterwards", async () => {
  const fresh = await initialize(t.app);
  expect((await call(t.app, "tools/call", { name: "tasks_create", arguments: { title: "After the fuzz" } }, fresh)).result).toBeDefined();
  const listed = await call<{ isError?: boolean }>(t.app, "tools/call", { name: "tasks_list", arguments: { search: "After the fuzz" } }, fresh);
  expect(listed.result!.isError).toBeUndefined();
  const discover = await sendModern({ app: t.app }, "server/discover", {});
  expect(discover.status).toBe(200);
  expect(discover.body.result).toBeDefined();
});
