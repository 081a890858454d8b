/**
 * The standard request headers of MCP 2026-07-28 (SEP-2243): `MCP-Protocol-Version`, `Mcp-Method`,
 * `Mcp-Name` and a tool's `Mcp-Param-{X}` must repeat what the body says, so a proxy can route on
 * headers alone and never be lied to. Names are case-insensitive (Headers is), values exact after
 * trimming spaces and tabs.
 */
import { ModernError, ModernErrorCode } from "./envelope.ts";

/** The body field `Mcp-Name` repeats, by method. */
const NAME_FIELDS: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null), {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
    "tasks/get": "taskId",
    "tasks/update": "taskId",
    "tasks/cancel": "taskId",
  }),
);

// Visible ASCII, space and tab: anything else in a header value is refused, not guessed at.
const HEADER_VALUE = /^[\x20-\x7e\t]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export const mismatch = (message: string, data?: unknown) => new ModernError(400, ModernErrorCode.HeaderMismatch, `Header mismatch: ${message}`, data);

/** The trimmed value of header `name`, null when absent; throws HeaderMismatch for characters outside visible ASCII. */
export function headerValue(headers: Headers, name: string): string | null {
  const raw = headers.get(name);
  if (raw === null) return null;
  if (!HEADER_VALUE.test(raw)) throw mismatch(`${name} holds characters other than visible ASCII, space and tab.`, { header: name });
  return raw.replace(/^[ \t]+|[ \t]+$/g, "");
}

function expectHeader(headers: Headers, name: string, expected: string): void {
  const actual = headerValue(headers, name);
  if (actual === null) throw mismatch(`the ${name} header is required and must be "${expected}".`, { header: name, expected });
  if (actual !== expected) throw mismatch(`${name} is "${actual}" but the body says "${expected}".`, { header: name, headerValue: actual, bodyValue: expected });
}

/** The header version when it differs from the claim (checked before whether the claim is served). */
export function checkVersionHeader(headers: Headers, claim: string): void {
  const actual = headerValue(headers, "mcp-protocol-version");
  if (actual !== null && actual !== claim)
    throw mismatch(`MCP-Protocol-Version is "${actual}" but params._meta claims "${claim}".`, { header: "MCP-Protocol-Version", headerValue: actual, bodyValue: claim });
}

/** Checks MCP-Protocol-Version, Mcp-Method and (for the methods that name something) Mcp-Name against the body. */
export function checkStandardHeaders(headers: Headers, claim: string, method: string, params: Record<string, unknown> | undefined): void {
  expectHeader(headers, "mcp-protocol-version", claim);
  expectHeader(headers, "mcp-method", method);
  const field = NAME_FIELDS[method];
  if (field === undefined) return;
  const value = params?.[field];
  // A body without the field is the handler's -32602; the header cannot be checked against nothing.
  if (typeof value === "string") expectHeader(headers, "mcp-name", value);
}

/** The text a `Mcp-Param-*` value stands for: `=?base64?…?=` is strict padded base64 of UTF-8, anything else literal. */
export function decodeParamValue(value: string, header: string): string {
  if (!(value.startsWith("=?base64?") && value.endsWith("?=") && value.length >= 11)) return value;
  const encoded = value.slice("=?base64?".length, -2);
  if (!BASE64.test(encoded)) throw mismatch(`${header} is not valid padded base64.`, { header });
  try {
    return utf8.decode(Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0)));
  } catch {
    throw mismatch(`${header} is not base64 of UTF-8 text.`, { header });
  }
}

function sameValue(text: string, body: unknown): boolean {
  if (typeof body === "string") return text === body;
  if (typeof body === "boolean") return text === String(body);
  if (typeof body === "number") return /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text) && Number(text) === body;
  return false;
}

/**
 * Checks each `Mcp-Param-{X}` a tool declares (`"x-mcp-header": "X"` on a property of its input
 * schema) against the argument, when that argument is present and not null. Undeclared ones are ignored.
 */
export function checkParamHeaders(headers: Headers, inputSchema: Record<string, unknown>, args: unknown): void {
  const properties = inputSchema.properties;
  if (typeof properties !== "object" || properties === null || typeof args !== "object" || args === null) return;
  for (const [property, schema] of Object.entries(properties as Record<string, Record<string, unknown>>)) {
    const suffix = schema?.["x-mcp-header"];
    if (typeof suffix !== "string") continue;
    const body = Object.hasOwn(args, property) ? (args as Record<string, unknown>)[property] : undefined;
    if (body === undefined || body === null) continue;
    const header = `Mcp-Param-${suffix}`;
    const raw = headerValue(headers, header);
    if (raw === null) throw mismatch(`the ${header} header is required when arguments.${property} is given.`, { header, bodyValue: body });
    const text = decodeParamValue(raw, header);
    if (!sameValue(text, body)) throw mismatch(`${header} is "${text}" but arguments.${property} is ${JSON.stringify(body)}.`, { header, headerValue: text, bodyValue: body });
  }
}
