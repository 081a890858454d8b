/**
 * The scopes a built-in token may carry and how the consent page words them. They are the tool
 * scopes (docs/authentication.md#the-request-pipeline, step 4): a token's scopes narrow what its user may do.
 */
import { TOOL_SCOPES, type ToolScope } from "../auth/scopes.ts";

/** What each scope lets the client do, in words for the consent page and the connections list. */
export const SCOPE_DESCRIPTIONS: Record<ToolScope, string> = {
  "mcp:read": "See your organization's tasks, automations and their runs, hosts, projects, workspaces and terminals.",
  "mcp:write": "Create, change and delete tasks and automations, run automations, create workspaces and start agents and terminals on your hosts.",
};

/**
 * The scopes of a request's `scope` parameter (RFC 6749 §3.3: space-separated); absent or empty
 * means all of them. Returns null when it names a scope this server does not grant.
 */
export function parseScopes(scope: string | null | undefined): ToolScope[] | null {
  const names = (scope ?? "").split(" ").filter(Boolean);
  if (names.length === 0) return [...TOOL_SCOPES];
  if (!names.every((name): name is ToolScope => (TOOL_SCOPES as readonly string[]).includes(name))) return null;
  return TOOL_SCOPES.filter((known) => names.includes(known));
}
