/** Who a request runs as, once authentication has verified its credential (docs/authentication.md#the-request-pipeline, step 3). */
import type { Actor } from "../services/actor.ts";
import type { ToolScope } from "./scopes.ts";

/** How the principal proved itself. */
export type CredentialKind = "dev" | "api_key" | "oauth" | "jwt" | "custom";

export interface Principal {
  /** The user and the one organization the credential is bound to, with the user's role there. */
  actor: Actor;
  kind: CredentialKind;
  /** Scopes the credential carries, as granted (unknown scopes included, for MCP_REQUIRED_SCOPES). */
  scopes: readonly string[];
  /** True when tools need `mcp:read`/`mcp:write` from `scopes` (API keys, built-in tokens, or MCP_ENFORCE_TOOL_SCOPES). */
  toolScopesEnforced: boolean;
  /** The OAuth client or token `client_id`, when the credential names one. */
  clientId: string | null;
  /** Names the principal: MCP sessions belong to it, cache entries are keyed by it. */
  key: string;
}

/** True when the principal may call a tool needing `scope`. */
export function hasToolScope(principal: Principal, scope: ToolScope): boolean {
  return !principal.toolScopesEnforced || principal.scopes.includes(scope);
}

/** The principal key: user, organization and the sorted scopes, so differently scoped credentials never share state. */
export function principalKey(actor: Actor, scopes: readonly string[]): string {
  return `${actor.userId}:${actor.organizationId}:${[...scopes].sort().join(" ")}`;
}
