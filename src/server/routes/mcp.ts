/**
 * The MCP endpoint at /mcp and its alias /api/v2/agent/mcp, behind the pipeline of auth.md:
 * origin check → rate limit → authentication → scopes → JSON-RPC dispatch, whose tool calls run
 * through the response cache and the size guard. The v1 path answers 410 Gone.
 */
import { Elysia } from "elysia";
import { SUPPORTED_PROTOCOL_VERSIONS } from "../../mcp/protocol.ts";
import { challengeScopes, insufficientScope } from "../../auth/challenges.ts";
import { hasToolScope, type Principal } from "../../auth/principal.ts";
import { composeLayers, type ToolCallHandler, type ToolCallLayer } from "../../mcp/tool-calls.ts";
import type { Services } from "../../services/index.ts";
import type { AnyTool, HostAccess, RuntimeInfo } from "../../tools/types.ts";
import type { Caller, Transport } from "../../mcp/transport.ts";
import { VERSION } from "../../version.ts";
import { authentication, isDescriptionRequest, type AuthOptions } from "../pipeline/auth.ts";
import { originCheck, type OriginPolicy } from "../pipeline/origin.ts";
import { responseCache, type ResponseCacheOptions } from "../pipeline/cache.ts";
import { rateLimit, type RateLimitOptions } from "../pipeline/rate-limit.ts";
import { scopeCheck, visibleTools, type ScopeOptions } from "../pipeline/scopes.ts";
import { sizeGuard, type SizeGuardOptions } from "../pipeline/size-guard.ts";

export const MCP_PATHS = ["/mcp", "/api/v2/agent/mcp"] as const;

export interface McpRouteOptions {
  transport: Transport;
  services: Services;
  runtime: RuntimeInfo;
  hosts: HostAccess;
  tools: readonly AnyTool[];
  origin: OriginPolicy;
  rateLimit: RateLimitOptions;
  auth: AuthOptions;
  scopes: ScopeOptions;
  sizeGuard: SizeGuardOptions;
  cache: ResponseCacheOptions;
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
  type Context = { request: Request; principal: Principal | null; responseCache: ToolCallLayer; sizeGuard: ToolCallLayer };
  // Steps 6 and 7 come from their plugins; the cache is outermost, so a cached answer was already size-guarded.
  let runTool: ToolCallHandler | undefined;
  const caller = ({ request, principal, responseCache, sizeGuard }: Context): Caller => ({
    principal: principal!,
    services: options.services,
    runtime: options.runtime,
    hosts: options.hosts,
    tools: toolsFor(principal!),
    catalog: options.tools,
    runTool: (runTool ??= composeLayers([responseCache, sizeGuard])),
    // A tool call's 403 names the tool's scope and MCP_REQUIRED_SCOPES, everything the call needs, at once.
    scopeChallenge: (scopes) => insufficientScope(challengeScopes(options.scopes.requiredScopes, scopes), options.auth.resourceMetadata?.(new URL(request.url).pathname) ?? null),
  });

  // Handlers destructure what they use: Elysia reads the handler's source to decide what to prepare,
  // and a handler taking the whole context would have the body parsed before the transport reads it.
  const post = ({ request, principal, responseCache, sizeGuard }: Context) => transport.post(request, caller({ request, principal, responseCache, sizeGuard }));
  const get = (path: string) => ({ request, principal, responseCache, sizeGuard }: Context) =>
    isDescriptionRequest(request) ? description(options.publicUrl, path, options.authEnabled) : transport.get(request, caller({ request, principal, responseCache, sizeGuard }));
  const remove = ({ request, principal, responseCache, sizeGuard }: Context) => transport.delete(request, caller({ request, principal, responseCache, sizeGuard }));
  const [primary, alias] = MCP_PATHS;

  return new Elysia({ name: "mcp" })
    .use(originCheck(options.origin))
    .use(rateLimit(options.rateLimit))
    .use(authentication(options.auth))
    .use(scopeCheck(options.scopes))
    .use(sizeGuard(options.sizeGuard))
    .use(responseCache(options.cache))
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
