/**
 * A seeded, bounded fuzz of the MCP endpoint (in-process app, both eras): valid messages of the
 * 2025-11-25 session era and of the 2026-07-28 stateless era, mutated at random — methods
 * (prototype names among them), ids, params, envelopes, headers, argument leaves, and the JSON
 * text itself — and sweeps of random arguments over every tool. No answer may be a 5xx, an
 * internal error, a stack trace or a file path; afterwards the server still answers both eras.
 * FUZZ_SEED picks another sequence (the seed is in the test name, to replay a failure).
 */
import { beforeAll, expect, test } from "bun:test";
import type { ToolDescriptor } from "../../src/mcp/tool-calls.ts";
import { call, clientHeaders, createTestApp, INITIALIZE_PARAMS, initialize, MCP_URL, type TestApp } from "../helpers/app.ts";
import { hostileArguments } from "../helpers/hostile-values.ts";
import { modernRequest, sendModern } from "../helpers/modern-client.ts";
import { sampleArguments, type JsonSchema } from "../helpers/schema-samples.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const MESSAGES = 1500;
const SWEEPS_PER_TOOL = 25;

/** mulberry32: a small seeded PRNG, so a run can be replayed from its seed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

const random = prng(SEED);

// subscriptions/listen is left out: its stream stays open by design, and the fuzz awaits every answer's end.
const METHODS = [
  "initialize", "ping", "tools/list", "tools/call", "logging/setLevel", "server/discover", "tasks/get", "tasks/cancel", "tasks/list",
  "notifications/initialized", "notifications/cancelled", "hasOwnProperty", "valueOf", "constructor", "toString", "__proto__", "__defineGetter__", "prototype",
  "", " ", "tools/", "TOOLS/LIST", "tools/call\u0000", "resources/read", "prompts/get", "x".repeat(10_000),
];

/** Values for any leaf: hostile strings, absurd numbers, wrong shapes. */
const LEAVES: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, "", "a\u0000b", "\ud800", "\udfff\ud800", "x".repeat(200_000), "é".repeat(1000),
  "../../etc/passwd", "${jndi:ldap://x}", "<script>alert(1)</script>", "'; DROP TABLE tasks; --", "%s%s%n", "\u202e", [], [[[[[]]]]], {}, { __proto__: { polluted: true } }, { constructor: { prototype: { x: 1 } } },
  crypto.randomUUID(), "2030-01-01T09:00:00Z", "9999-99-99T99:99:99Z",
];

function deepNesting(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = random.next() < 0.5 ? [value] : { a: value };
  return value;
}

/** Replaces one random leaf (or key) of `value` with a hostile one. */
function mutateLeaf(value: unknown): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || random.next() < 0.2) return [...value, random.pick(LEAVES)];
    const index = random.int(value.length);
    return value.map((item, i) => (i === index ? mutateLeaf(item) : item));
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    const roll = random.next();
    if (entries.length === 0 || roll < 0.15) return { ...value, [random.pick(["__proto__", "constructor", "extra", "x".repeat(5000), "\u0000"])]: random.pick(LEAVES) };
    if (roll < 0.25) return Object.fromEntries(entries.filter((_, i) => i !== random.int(entries.length)));
    const [key, inner] = random.pick(entries);
    return { ...value, [key]: mutateLeaf(inner) };
  }
  return random.next() < 0.05 ? deepNesting(1 + random.int(5000)) : random.pick(LEAVES);
}

/** Mutations of the JSON text: cut short, a character changed, doubled, or wrapped in a batch. */
function mutateText(text: string): string {
  const at = random.int(text.length + 1);
  switch (random.int(5)) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + String.fromCharCode(random.int(0x10000)) + text.slice(at + 1);
    case 2: return text + text;
    case 3: return `[${text},${text}]`;
    default: return text.slice(0, at) + random.pick(["{", "}", "[", "]", '"', "\\", ",", ":", "\u0000", "1e99999"]) + text.slice(at);
  }
}

/** Marks of a leak: a stack frame, a source path, a driver's words, or the internal error itself. */
const LEAKS = [/Internal error/i, /\n\s+at /, /\.ts:\d+/, /\/work\/|\/home\/|\/tmp\/|node_modules/, /SQLITE_|sqlite3?_|PostgresError|syntax error at/i, /TypeError|RangeError|ReferenceError/];

let t: TestApp;
let sessionId: string;
let tools: ToolDescriptor[];
const problems: string[] = [];

async function expectSafe(label: string, response: Response): Promise<void> {
  const text = await response.text();
  if (response.status >= 500) problems.push(`${label}: HTTP ${response.status} ${text.slice(0, 200)}`);
  const leak = LEAKS.find((pattern) => pattern.test(text));
  if (leak) problems.push(`${label}: ${leak} in ${text.slice(0, 300)}`);
}

/** POSTs `body`; a header value no HTTP client could send (NUL, non-Latin-1) is left out, as fetch would refuse it. */
function post(body: string, headers: Record<string, string>): Promise<Response> {
  const sendable = Object.fromEntries(Object.entries(headers).filter(([, value]) => /^[\x20-\x7e\t]*$/.test(value)));
  return t.app.handle(new Request(MCP_URL, { method: "POST", headers: sendable, body }));
}

/** One valid message of either era, with the headers it is sent with. */
function validMessage(): { body: Record<string, unknown>; headers: Record<string, string> } {
  const tool = random.pick(tools);
  const args = sampleArguments(tool.inputSchema as JsonSchema, random.next() < 0.5);
  if (random.next() < 0.5) {
    const method = random.pick(["ping", "tools/list", "tools/call", "logging/setLevel", "initialize"]);
    const params = method === "tools/call" ? { name: tool.name, arguments: args } : method === "logging/setLevel" ? { level: "info" } : method === "initialize" ? INITIALIZE_PARAMS : {};
    return { body: { jsonrpc: "2.0", id: random.int(1e6), method, params }, headers: clientHeaders({ sessionId: method === "initialize" ? null : sessionId }) };
  }
  const method = random.pick(["server/discover", "tools/list", "tools/call", "tasks/get"]);
  const params = method === "tools/call" ? { name: tool.name, arguments: args } : method === "tasks/get" ? { taskId: crypto.randomUUID() } : {};
  const { body, headers } = modernRequest(method, params, {});
  return { body, headers: { Host: "127.0.0.1:5008", ...headers } };
}

/** A random mutation of a valid message: its method, id, params, envelope, headers or text. */
function mutated(): { body: string; headers: Record<string, string>; what: string } {
  const { body, headers } = validMessage();
  const message: Record<string, unknown> = { ...body };
  const changedHeaders = { ...headers };
  let what: string;
  switch (random.int(7)) {
    case 0:
      message.method = random.pick(METHODS);
      what = "method";
      if (changedHeaders["Mcp-Method"] && random.next() < 0.7) changedHeaders["Mcp-Method"] = String(message.method).replace(/[^\x20-\x7e]/g, "");
      break;
    case 1:
      message.id = random.pick([null, {}, [], -0, 1e308, "x".repeat(5000), true, undefined]);
      what = "id";
      break;
    case 2:
      message.params = random.pick([[], "params", 7, null, deepNesting(200), { _meta: random.pick(LEAVES) }]);
      what = "params";
      break;
    case 3:
      message.params = mutateLeaf(message.params);
      what = "a leaf of params";
      break;
    case 4:
      message.jsonrpc = random.pick(["1.0", 2, null, undefined, "2.0 "]);
      what = "jsonrpc";
      break;
    case 5: {
      const name = random.pick(["MCP-Protocol-Version", "Mcp-Method", "Mcp-Name", "Mcp-Session-Id", "Mcp-Param-Host-Id", "Accept", "Content-Type"]);
      changedHeaders[name] = random.pick(["", "2025-11-25", "2026-07-28", "1999-01-01", "tools/list", "=?base64?!!!?=", "=?base64?AAAA?=", "x".repeat(4000), "text/plain", "application/json; charset=utf-16"]);
      what = `header ${name}`;
      break;
    }
    default:
      return { body: mutateText(JSON.stringify(message)), headers: changedHeaders, what: "the JSON text" };
  }
  return { body: JSON.stringify(message), headers: changedHeaders, what };
}

beforeAll(async () => {
  // Thousands of requests from one address: the rate limit is not what is fuzzed here.
  t = await createTestApp({ MCP_RATE_LIMIT: { enabled: false, requests: 1, window_seconds: 1 } });
  sessionId = await initialize(t.app);
  tools = (await call<{ tools: ToolDescriptor[] }>(t.app, "tools/list", undefined, sessionId)).result!.tools;
});

test(`mutated JSON-RPC messages of both eras get no 5xx, no internal error and no leak (seed ${SEED})`, async () => {
  const statuses = new Set<number>();
  for (let i = 0; i < MESSAGES; i++) {
    const { body, headers, what } = mutated();
    const response = await post(body, headers);
    statuses.add(response.status);
    await expectSafe(`message ${i} (${what})`, response);
  }
  expect(problems).toEqual([]);
  // The mutations reach past the first checks: answers, refusals of several kinds, and unknown methods.
  for (const status of [200, 202, 400, 404]) expect(statuses.has(status)).toBe(true);
}, 60_000);

test(`random and hostile arguments over every tool, in both eras, get no internal error (seed ${SEED})`, async () => {
  for (const tool of tools) {
    const schema = tool.inputSchema as JsonSchema;
    const sweeps = [...hostileArguments(schema).map((hostile) => hostile.arguments), ...Array.from({ length: SWEEPS_PER_TOOL }, () => mutateLeaf(sampleArguments(schema, random.next() < 0.5)))];
    for (const [index, args] of sweeps.entries()) {
      const legacy = { jsonrpc: "2.0", id: index, method: "tools/call", params: { name: tool.name, arguments: args } };
      await expectSafe(`${tool.name} legacy sweep ${index}`, await post(JSON.stringify(legacy), clientHeaders({ sessionId })));
      const modern = modernRequest("tools/call", { name: tool.name, arguments: args }, {});
      await expectSafe(`${tool.name} modern sweep ${index}`, await post(JSON.stringify(modern.body), { Host: "127.0.0.1:5008", ...modern.headers }));
    }
  }
  expect(problems).toEqual([]);
}, 60_000);

test("the server still answers both eras afterwards", async () => {
  const fresh = await initialize(t.app);
  expect((await call(t.app, "tools/call", { name: "tasks_create", arguments: { title: "After the fuzz" } }, fresh)).result).toBeDefined();
  const listed = await call<{ content: { text: string }[]; isError?: boolean }>(t.app, "tools/call", { name: "tasks_list", arguments: { search: "After the fuzz" } }, fresh);
  expect(listed.result!.isError).toBeUndefined();
  const discover = await sendModern({ app: t.app }, "server/discover", {});
  expect(discover.status).toBe(200);
  expect(discover.body.result).toBeDefined();
});
