/**
 * The MCP Server Card (SEP-2127) at /.well-known/mcp/server-card.json, also at /.well-known/mcp
 * and /.well-known/mcp/server-card: what a client learns before it connects, as the hosted
 * service publishes it. Name, version, the endpoints with their transport and protocol versions,
 * how to authenticate, and the tools. It is public: it holds nothing a caller's credential would
 * reveal (no organization, no user, no key), and is built once, since it changes only at a restart.
 */
import { Elysia } from "elysia";
import { SERVER_DESCRIPTION, SERVER_INFO } from "../../mcp/discover.ts";
import { MODERN_PROTOCOL_VERSIONS } from "../../mcp/envelope.ts";
import { MCP_PATHS } from "../../mcp/paths.ts";
import { SUPPORTED_PROTOCOL_VERSIONS } from "../../mcp/protocol.ts";
import { describeTool } from "../../mcp/tool-calls.ts";
import type { AnyTool } from "../../tools/types.ts";

export const SERVER_CARD_SCHEMA = "https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json";
export const SERVER_CARD_PATHS = ["/.well-known/mcp", "/.well-known/mcp/server-card", "/.well-known/mcp/server-card.json"] as const;
/** Clients and crawlers may keep the card an hour: it changes only with a restart. */
const CARD_MAX_AGE_SECONDS = 3600;

export interface ServerCardOptions {
  publicUrl: string;
  tools: readonly AnyTool[];
  /** MCP_AUTH_ENABLED: every request needs a credential. */
  authRequired: boolean;
  /** The protected-resource metadata URL of an MCP path when the built-in OAuth server is on, else null. */
  resourceMetadata: ((mcpPath: string) => string) | null;
}

/** `superset.example.com` → `com.example.superset`, the reverse-DNS namespace of the card's name. */
function reverseDnsName(publicUrl: string): string {
  const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, "");
  const isAddress = /^[\d.]+$/.test(host) || host.includes(":");
  return `${isAddress ? host.replaceAll(":", "-") : host.split(".").reverse().join(".")}/mcp`;
}

/** The card of this server. */
export function serverCard({ publicUrl, tools, authRequired, resourceMetadata }: ServerCardOptions) {
  const schemes = resourceMetadata ? ["oauth2", "bearer"] : ["bearer"];
  return {
    $schema: SERVER_CARD_SCHEMA,
    name: reverseDnsName(publicUrl),
    version: SERVER_INFO.version,
    title: SERVER_INFO.title,
    description: SERVER_DESCRIPTION,
    websiteUrl: publicUrl,
    remotes: MCP_PATHS.map((path) => ({
      type: "streamable-http",
      url: `${publicUrl}${path}`,
      supportedProtocolVersions: [...MODERN_PROTOCOL_VERSIONS, ...SUPPORTED_PROTOCOL_VERSIONS],
      headers: [{ name: "Authorization", description: "Bearer and an API key (sk_live_…) or an access token; not needed when signing in with OAuth", isRequired: false, isSecret: true }],
      authentication: { required: authRequired, schemes },
      ...(resourceMetadata && { _meta: { "io.modelcontextprotocol/oauthProtectedResource": resourceMetadata(path) } }),
    })),
    capabilities: { tools: { listChanged: false } },
    tools: tools.map((tool) => {
      const { name, title, description, inputSchema, outputSchema, annotations } = describeTool(tool);
      return { name, title, description, inputSchema, outputSchema, annotations };
    }),
  };
}

/** GET of the card at each of its paths, JSON, cacheable by anyone; built on the first request, not at start. */
export function serverCardRoutes(options: ServerCardOptions) {
  let body: string | undefined;
  const answer = () =>
    new Response((body ??= JSON.stringify(serverCard(options))), {
      headers: { "Content-Type": "application/json", "Cache-Control": `public, max-age=${CARD_MAX_AGE_SECONDS}`, "Access-Control-Allow-Origin": "*" },
    });
  const routes = new Elysia({ name: "server-card" });
  for (const path of SERVER_CARD_PATHS) routes.get(path, answer);
  return routes;
}
