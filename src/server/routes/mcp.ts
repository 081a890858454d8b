/**
 * The MCP endpoint at /mcp and its alias /api/v2/agent/mcp, behind the pipeline of docs/authentication.md#the-request-pipeline:
 * origin check → rate limit → authentication → scopes → JSON-RPC dispatch, whose tool calls run
 * through the response cache and the size guard. The v1 path answers 410 Gone.
 */
import { Elysia } from "elysia";
import { MCP_PATHS } from "../../mcp/paths.ts";
import { SUPPORTED_PROTOCOL_VERSIONS } from "../../mcp/protocol.ts";
import { SERVER_DESCRIPTION } from "../../mcp/discover.ts";
import { challengeScopes, insufficientScope } from "../../auth/challenges.ts";
import { hasToolScope, type Principal } from "../../auth/principal.ts";
import { newCallId, type CallContext } from "../../mcp/call-context.ts";
import type { ToolCallHandler } from "../../mcp/tool-calls.ts";
import type { Services } from "../../services/index.ts";
import type { AnyTool } from "../../tools/types.ts";
import type { HostAccess } from "../../hosts/access.ts";
import type { RuntimeInfo } from "../../runtime-info.ts";
import type { Transport } from "../../mcp/transport.ts";
import type { Metrics } from "../../metrics/index.ts";
import { VERSION } from "../../version.ts";
import { ErrorCode, errorResponse } from "../../mcp/jsonrpc.ts";
import { echo } from "../../tools/limits.ts";
import { authentication, isDescriptionRequest, type AuthOptions } from "../pipeline/auth.ts";
import { originCheck, type OriginPolicy } from "../pipeline/origin.ts";
import { rateLimit, type RateLimitOptions } from "../pipeline/rate-limit.ts";
import { createVerifiedCredentials } from "../pipeline/verified-credentials.ts";
import { scopeCheck, visibleTools, type ScopeOptions } from "../pipeline/scopes.ts";
import { answeredStatus } from "../pipeline/request-metrics.ts";

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
  /** Steps 6 and 7 composed once over the tool (app.ts): the cache outermost, so a cached answer was already size-guarded. */
  runTool: ToolCallHandler;
  /** MCP_AUTH_ENABLED, for the description a plain GET shows. */
  authEnabled: boolean;
  publicUrl: string;
  /** NO_METRICS when metrics are off: then no hook or layer is added for them. */
  metrics: Metrics;
}

/** What a browser or curl sees at the MCP URL: what this is and how to connect to it. */
function description(publicUrl: string, path: string, authEnabled: boolean) {
  const url = `${publicUrl}${path}`;
  return {
    name: "superset",
    version: VERSION,
    description: SERVER_DESCRIPTION,
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
  const { transport, metrics } = options;
  // Counted before authentication under the address, unless the credential verified lately.
  const verifiedCredentials = createVerifiedCredentials(options.rateLimit.store);
  // A principal's visible tools depend only on its role being viewer and on its two tool scopes.
  const visible = new Map<string, readonly AnyTool[]>();
  function toolsFor(principal: Principal): readonly AnyTool[] {
    const key = `${principal.actor.role === "viewer"}:${hasToolScope(principal, "mcp:read")}:${hasToolScope(principal, "mcp:write")}`;
    let tools = visible.get(key);
    if (!tools) visible.set(key, (tools = visibleTools(options.tools, principal)));
    return tools;
  }
  type RouteContext = { request: Request; principal: Principal | null };
  /** The one context of this request (mcp/call-context.ts); authentication has set the principal of every request routed here. */
  const contextOf = (request: Request, principal: Principal): CallContext => ({
    principal,
    actor: principal.actor,
    scopes: principal.scopes,
    callId: newCallId(),
    services: options.services,
    runtime: options.runtime,
    hosts: options.hosts,
    tools: toolsFor(principal),
    catalog: options.tools,
    runTool: options.runTool,
    session: null,
    // A tool call's 403 names the tool's scope and MCP_REQUIRED_SCOPES, everything the call needs, at once.
    scopeChallenge: (scopes) => insufficientScope(challengeScopes(options.scopes.requiredScopes, scopes), options.auth.resourceMetadata?.(new URL(request.url).pathname) ?? null),
  });

  // Handlers destructure only what they use: Elysia reads the handler's source to decide what to
  // prepare, and a handler taking the whole context would have the body parsed before the transport reads it.
  const post = ({ request, principal }: RouteContext) => transport.post(request, contextOf(request, principal!));
  const get =
    (path: string) =>
    ({ request, principal }: RouteContext) =>
      isDescriptionRequest(request) ? description(options.publicUrl, path, options.authEnabled) : transport.get(request, contextOf(request, principal!));
  const remove = ({ request, principal }: RouteContext) => transport.delete(request, contextOf(request, principal!));
  const [primary, alias] = MCP_PATHS;

  const routes = new Elysia({ name: "mcp" });
  // Refusals before dispatch (origin, rate limit, authentication, scopes) are counted from their status.
  if (metrics.enabled)
    routes.onAfterResponse(function countMcpRefusal({ request, responseValue, set }) {
      metrics.mcpHttpAnswer(request, answeredStatus(responseValue, set.status));
    });
  return routes
    .use(originCheck(options.origin))
    .use(rateLimit({ ...options.rateLimit, verifiedCredentials }))
    .use(authentication({ ...options.auth, onAuthenticated: verifiedCredentials.verified }))
    .use(scopeCheck(options.scopes))
    .post(primary, post)
    .get(primary, get(primary))
    .delete(primary, remove)
    .post(alias, post)
    .get(alias, get(alias))
    .delete(alias, remove);
}

/** The HTTP methods the MCP endpoint answers (Streamable HTTP); /mcp serves no CORS preflight, so OPTIONS is not among them. */
const MCP_ALLOWED_METHODS = "GET, POST, DELETE";

/**
 * Any other method on the MCP paths (PUT, PATCH, OPTIONS, TRACE…): 405 with `Allow` and a
 * JSON-RPC error body, before the pipeline, since no credential changes the answer.
 */
export function mcpMethodNotAllowed() {
  const plugin = new Elysia({ name: "mcp-method-not-allowed" });
  const refuse = ({ request }: { request: Request }) =>
    new Response(
      JSON.stringify(
        errorResponse(null, ErrorCode.InvalidRequest, `Method Not Allowed: ${echo(request.method)} is not an MCP request; use POST for messages, GET for the stream and DELETE to end a session.`),
      ),
      {
        status: 405,
        headers: { "Content-Type": "application/json", Allow: MCP_ALLOWED_METHODS },
      },
    );
  for (const path of MCP_PATHS) plugin.all(path, refuse);
  return plugin;
}

/** The retired v1 endpoint: 410 with where to go instead. */
export const legacyMcpRoute = (publicUrl: string) =>
  new Elysia({ name: "mcp-v1" }).all("/api/agent/mcp", ({ set }) => {
    set.status = 410;
    return { error: "gone", message: `The v1 MCP endpoint is retired; connect to ${publicUrl}/mcp instead.`, endpoint: `${publicUrl}/mcp` };
  });
