/**
 * The MCP endpoint at /mcp and its alias /api/v2/agent/mcp, behind the pipeline of auth.md:
 * origin check → authentication → scopes → JSON-RPC dispatch. The v1 path answers 410 Gone.
 */
import { Elysia } from "elysia";
import { SUPPORTED_PROTOCOL_VERSIONS } from "../../mcp/protocol.ts";
import { hasToolScope, type Principal } from "../../auth/principal.ts";
import { runToolCall } from "../../mcp/tool-calls.ts";
import type { Services } from "../../services/index.ts";
import type { AnyTool, RuntimeInfo } from "../../tools/types.ts";
import type { Caller, Transport } from "../../mcp/transport.ts";
import { VERSION } from "../../version.ts";
import { authentication, isDescriptionRequest, type AuthOptions } from "../pipeline/auth.ts";
import { originCheck, type OriginPolicy } from "../pipeline/origin.ts";
import { scopeCheck, visibleTools, type ScopeOptions } from "../pipeline/scopes.ts";

export const MCP_PATHS = ["/mcp", "/api/v2/agent/mcp"] as const;

export interface McpRouteOptions {
  transport: Transport;
  services: Services;
  runtime: RuntimeInfo;
  tools: readonly AnyTool[];
  origin: OriginPolicy;
  auth: AuthOptions;
  scopes: ScopeOptions;
  /** MCP_AUTH_ENABLED, for the description a plain GET shows. */
  authEnabled: boolean;
  publicUrl: string;
}

/** What a browser or curl sees at the MCP URL: what this is and how to connect to it. */
function description(publicUrl: string, path: string, authEnabled: boolean) {
  const url = `${publicUrl}${path}`;
  return {
    name: "superset",
    version: VERSION,
    description: "Superset MCP server: tasks, automations, hosts, projects, workspaces, agents and terminals for AI clients.",
    endpoint: url,
    transport: "streamable-http",
    protocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
    authentication: authEnabled ? "OAuth 2.1 or an API key (Authorization: Bearer sk_live_…)" : "none (development mode)",
    connect: {
      claudeCode: `claude mcp add superset --transport http ${url}`,
      mcpJson: { mcpServers: { superset: { type: "http", url } } },
    },
  };
}

export function mcpRoutes(options: McpRouteOptions) {
  const { transport } = options;
  // A principal's visible tools depend only on its role being viewer and on its two tool scopes.
  const visible = new Map<string, readonly AnyTool[]>();
  function toolsFor(principal: Principal): readonly AnyTool[] {
    const key = `${principal.actor.role === "viewer"}:${hasToolScope(principal, "mcp:read")}:${hasToolScope(principal, "mcp:write")}`;
    let tools = visible.get(key);
    if (!tools) visible.set(key, (tools = visibleTools(options.tools, principal)));
    return tools;
  }
  const caller = (principal: Principal): Caller => ({
    principal,
    services: options.services,
    runtime: options.runtime,
    tools: toolsFor(principal),
    catalog: options.tools,
    runTool: runToolCall,
  });

  type Context = { request: Request; principal: Principal | null };
  const post = ({ request, principal }: Context) => transport.post(request, caller(principal!));
  const get = (path: string) => ({ request, principal }: Context) =>
    isDescriptionRequest(request) ? description(options.publicUrl, path, options.authEnabled) : transport.get(request, caller(principal!));
  const remove = ({ request, principal }: Context) => transport.delete(request, caller(principal!));
  const [primary, alias] = MCP_PATHS;

  return new Elysia({ name: "mcp" })
    .use(originCheck(options.origin))
    .use(authentication(options.auth))
    .use(scopeCheck(options.scopes))
    .post(primary, post)
    .get(primary, get(primary))
    .delete(primary, remove)
    .post(alias, post)
    .get(alias, get(alias))
    .delete(alias, remove);
}

/** The retired v1 endpoint: 410 with where to go instead. */
export const legacyMcpRoute = (publicUrl: string) =>
  new Elysia({ name: "mcp-v1" }).all("/api/agent/mcp", ({ set }) => {
    set.status = 410;
    return { error: "gone", message: `The v1 MCP endpoint is retired; connect to ${publicUrl}/mcp instead.`, endpoint: `${publicUrl}/mcp` };
  });
