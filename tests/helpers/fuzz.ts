/**
 * The fuzzer of the MCP endpoint, shared by the in-process fuzz test and its run against the
 * built binary: a seeded PRNG, valid messages of both eras (2025-11-25 in a session, 2026-07-28
 * stateless), their mutations — methods (prototype names among them), ids, params, envelopes,
 * headers, argument leaves, the JSON text — and argument sweeps over a tool, plus the marks of a
 * leak an answer must never show.
 */
import type { ToolDescriptor } from "../../src/mcp/tool-calls.ts";
import { clientHeaders, INITIALIZE_PARAMS } from "./app.ts";
import { hostileArguments } from "./hostile-values.ts";
import { modernRequest } from "./modern-client.ts";
import { sampleArguments, type JsonSchema } from "./schema-samples.ts";

/** mulberry32: a small seeded PRNG, so a run can be replayed from its seed. */
export function prng(seed: number) {
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

// subscriptions/listen is left out: its stream stays open by design, and the fuzz awaits every answer's end.
const METHODS = [
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "logging/setLevel",
  "server/discover",
  "tasks/get",
  "tasks/cancel",
  "tasks/list",
  "notifications/initialized",
  "notifications/cancelled",
  "hasOwnProperty",
  "valueOf",
  "constructor",
  "toString",
  "__proto__",
  "__defineGetter__",
  "prototype",
  "",
  " ",
  "tools/",
  "TOOLS/LIST",
  "tools/call\u0000",
  "resources/read",
  "prompts/get",
  "x".repeat(10_000),
];

/** Values for any leaf: hostile strings, absurd numbers, wrong shapes. */
const LEAVES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  "",
  "a\u0000b",
  "\ud800",
  "\udfff\ud800",
  "x".repeat(200_000),
  "é".repeat(1000),
  "../../etc/passwd",
  "${jndi:ldap://x}",
  "<script>alert(1)</script>",
  "'; DROP TABLE tasks; --",
  "%s%s%n",
  "\u202e",
  [],
  [[[[[]]]]],
  {},
  { __proto__: { polluted: true } },
  { constructor: { prototype: { x: 1 } } },
  "0b5c7a1e-2f3d-4c5b-8a9e-1d2c3b4a5f60",
  "2030-01-01T09:00:00Z",
  "9999-99-99T99:99:99Z",
];

/** Marks of a leak: a stack frame, a source path, a driver's words, or the internal error itself. */
export const LEAKS = [/Internal error/i, /\n\s+at /, /\.ts:\d+/, /\/work\/|\/home\/|\/tmp\/|node_modules/, /SQLITE_|sqlite3?_|PostgresError|syntax error at/i, /TypeError|RangeError|ReferenceError/];

/** One request of the fuzz: a body (possibly not JSON at all) and its headers. */
export interface FuzzRequest {
  body: string;
  headers: Record<string, string>;
  what: string;
}

/** A header value no HTTP client could send (NUL, non-Latin-1) is left out, as fetch would refuse it. */
export function sendableHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([, value]) => /^[\x20-\x7e\t]*$/.test(value)));
}

/** What an answer must never be: a 5xx, or text with a mark of a leak; null when it is fine. */
export function unsafeAnswer(status: number, text: string): string | null {
  if (status >= 500) return `HTTP ${status} ${text.slice(0, 200)}`;
  const leak = LEAKS.find((pattern) => pattern.test(text));
  return leak ? `${leak} in ${text.slice(0, 300)}` : null;
}

/** A fuzzer over `tools` for the legacy session `sessionId`, drawing from `seed`. */
export function createFuzzer(seed: number, tools: readonly ToolDescriptor[], sessionId: string) {
  const random = prng(seed);
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
      case 0:
        return text.slice(0, at);
      case 1:
        return text.slice(0, at) + String.fromCharCode(random.int(0x10000)) + text.slice(at + 1);
      case 2:
        return text + text;
      case 3:
        return `[${text},${text}]`;
      default:
        return text.slice(0, at) + random.pick(["{", "}", "[", "]", '"', "\\", ",", ":", "\u0000", "1e99999"]) + text.slice(at);
    }
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
  function mutated(): FuzzRequest {
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
        changedHeaders[name] = random.pick([
          "",
          "2025-11-25",
          "2026-07-28",
          "1999-01-01",
          "tools/list",
          "=?base64?!!!?=",
          "=?base64?AAAA?=",
          "x".repeat(4000),
          "text/plain",
          "application/json; charset=utf-16",
        ]);
        what = `header ${name}`;
        break;
      }
      default:
        return { body: mutateText(JSON.stringify(message)), headers: changedHeaders, what: "the JSON text" };
    }
    return { body: JSON.stringify(message), headers: changedHeaders, what };
  }

  /** The hostile cases of a tool's arguments and `count` random mutations of its sample arguments. */
  function sweeps(tool: ToolDescriptor, count: number): unknown[] {
    const schema = tool.inputSchema as JsonSchema;
    return [...hostileArguments(schema).map((hostile) => hostile.arguments), ...Array.from({ length: count }, () => mutateLeaf(sampleArguments(schema, random.next() < 0.5)))];
  }

  /** A tools/call of `tool` with `args`, in the legacy session and as a modern request. */
  function toolCalls(tool: ToolDescriptor, args: unknown, id: number): FuzzRequest[] {
    const legacy = { jsonrpc: "2.0", id, method: "tools/call", params: { name: tool.name, arguments: args } };
    const modern = modernRequest("tools/call", { name: tool.name, arguments: args }, {});
    return [
      { body: JSON.stringify(legacy), headers: clientHeaders({ sessionId }), what: `${tool.name} legacy sweep ${id}` },
      { body: JSON.stringify(modern.body), headers: { Host: "127.0.0.1:5008", ...modern.headers }, what: `${tool.name} modern sweep ${id}` },
    ];
  }

  return { mutated, sweeps, toolCalls };
}
