/** `server/discover` (SEP-2575): what a modern client learns instead of an initialize handshake. */
import { VERSION } from "../version.ts";
import { SERVER_INSTRUCTIONS } from "./dispatch.ts";
import { META_SERVER_INFO, MODERN_PROTOCOL_VERSIONS } from "./envelope.ts";

/** Discover answers change only with a release: clients may keep one an hour, shared (SEP-2549). */
export const DISCOVER_TTL_MS = 3_600_000;

/** The server's identity, in every modern result's `_meta` (spec PR #3002). */
export const SERVER_INFO = Object.freeze({ name: "superset", title: "Superset MCP", version: VERSION });

/** What the server is, in one sentence: the plain GET of the MCP URL and the server card show it. */
export const SERVER_DESCRIPTION = "Superset MCP server: tasks, automations, hosts, projects, workspaces, agents and terminals for AI clients.";

/**
 * The discover result. No `logging` (deprecated, SEP-2577) and no `listChanged`: the tools change
 * only at a restart. `extensions` are those plugged into the modern dispatch (e.g. tasks).
 */
export function discoverResult(extensions: Readonly<Record<string, object>>) {
  return {
    resultType: "complete",
    supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
    capabilities: { tools: {}, extensions: { ...extensions } },
    instructions: SERVER_INSTRUCTIONS,
    ttlMs: DISCOVER_TTL_MS,
    cacheScope: "public",
    _meta: { [META_SERVER_INFO]: SERVER_INFO },
  };
}
