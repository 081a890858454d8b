/** What the authentication tests share: the exact RFC 6750 refusal, captured log lines, and calls made with a credential. */
import { expect } from "bun:test";
import { configureLog } from "../../src/log.ts";
import type { App } from "../../src/server/app.ts";
import { INITIALIZE_PARAMS, request, rpc, type RpcResponse, type ToolResult } from "./app.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";

/** The names of the read-only tools and of the others, in catalog order: what a key with one tool scope sees. */
export const READ_ONLY_TOOL_NAMES = ALL_TOOLS.filter((tool) => tool.annotations.readOnlyHint).map((tool) => tool.name);
export const WRITE_TOOL_NAMES = ALL_TOOLS.filter((tool) => !tool.annotations.readOnlyHint).map((tool) => tool.name);

export const UNAUTHORIZED_BODY = { error: "invalid_token", error_description: "Authentication required" };
export const WWW_AUTHENTICATE = 'Bearer realm="superset", error="invalid_token", error_description="Authentication required"';

/**
 * Checks the response is the generic 401 of docs/authentication.md#refusals, body and header exactly; with auth on, the built-in
 * OAuth server (on by default) adds where its metadata is, which must be that of an MCP path.
 */
export async function expectUnauthorized(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  const challenge = response.headers.get("www-authenticate") ?? "";
  // The generic challenge, then the RFC 9728 metadata URL when the built-in OAuth server is on, then the scopes to ask for.
  const [, generic, metadata, scope] = /^(.*?)(?:, resource_metadata="([^"]+)")?(?:, scope="([^"]*)")?$/.exec(challenge)!;
  if (metadata) expect(metadata).toMatch(/\/\.well-known\/oauth-protected-resource\/(mcp|api\/v2\/agent\/mcp)$/);
  if (scope !== undefined) expect(scope.split(" ")).not.toContain("offline_access");
  expect(generic).toBe(WWW_AUTHENTICATE);
  expect(await response.json()).toEqual(UNAUTHORIZED_BODY);
}

/** Checks the response is a 403 `insufficient_scope` naming `scope`. */
export async function expectInsufficientScope(response: Response, scope: string): Promise<void> {
  expect(response.status).toBe(403);
  expect(response.headers.get("www-authenticate")).toContain(`error="insufficient_scope", scope="${scope}"`);
  expect(await response.json()).toMatchObject({ error: "insufficient_scope", scope });
}

/** Runs `body` with log lines captured instead of written to stderr. */
export async function withCapturedLog<T>(body: (lines: string[]) => Promise<T>): Promise<T> {
  const lines: string[] = [];
  configureLog({ write: (line) => lines.push(line) });
  try {
    return await body(lines);
  } finally {
    configureLog({ write: (line) => process.stderr.write(line + "\n") });
  }
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A client holding one credential: stateless-style calls (no session) with its headers. */
export function clientWith(app: App, headers: Record<string, string>) {
  return {
    send: (method: string, params?: Record<string, unknown>, sessionId?: string) => rpc(app, request(method, params), { headers, sessionId }),
    async initialize(): Promise<string | null> {
      return (await rpc(app, request("initialize", INITIALIZE_PARAMS), { headers })).headers.get("mcp-session-id");
    },
    async toolNames(): Promise<string[]> {
      const body = (await (await rpc(app, request("tools/list"), { headers })).json()) as RpcResponse<{ tools: { name: string }[] }>;
      return body.result!.tools.map((tool) => tool.name);
    },
    async tool(name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
      const response = await rpc(app, request("tools/call", { name, arguments: args }), { headers });
      if (response.status !== 200) throw new Error(`${name} answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as RpcResponse<ToolResult>).result!;
    },
  };
}
