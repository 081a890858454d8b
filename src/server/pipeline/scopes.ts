/**
 * Step 4 of the MCP pipeline (docs/authentication.md#the-request-pipeline): scopes. `MCP_REQUIRED_SCOPES` must all be carried by every
 * credential (the dev user has none to show and is not asked), else 403 `insufficient_scope` naming them all.
 * Per-tool scopes (`mcp:read`, `mcp:write`) decide which tools a principal sees and may call; a
 * call of a tool its credential lacks the scope for is answered 403 by the transport.
 */
import { Elysia } from "elysia";
import { insufficientScope } from "../../auth/challenges.ts";
import { hasToolScope, type Principal } from "../../auth/principal.ts";
import { log } from "../../log.ts";
import type { AnyTool } from "../../tools/types.ts";

export interface ScopeOptions {
  requiredScopes: readonly string[];
  /** The RFC 9728 metadata URL of an MCP path, named in the 403 as in the 401. */
  resourceMetadata?: ((mcpPath: string) => string) | null;
}

/** The tools a principal may see and call: scope-permitted, and read-only ones only for a viewer (docs/tools.md#conventions). */
export function visibleTools(tools: readonly AnyTool[], principal: Principal): AnyTool[] {
  const viewer = principal.actor.role === "viewer";
  return tools.filter((tool) => (!viewer || tool.annotations.readOnlyHint) && hasToolScope(principal, tool.scope));
}

/** The MCP_REQUIRED_SCOPES the principal lacks. */
export function missingRequiredScopes(principal: Principal, required: readonly string[]): string[] {
  if (principal.kind === "dev") return [];
  return required.filter((scope) => !principal.scopes.includes(scope));
}

export function scopeCheck(options: ScopeOptions) {
  return new Elysia({ name: "scopes" }).onBeforeHandle({ as: "scoped" }, function requireScopes(context) {
    const { principal } = context as typeof context & { principal?: Principal | null };
    if (!principal) return;
    const missing = missingRequiredScopes(principal, options.requiredScopes);
    if (!missing.length) return;
    log.info("request refused", { status: 403, reason: "missing MCP_REQUIRED_SCOPES", missing, user: principal.actor.username });
    // All of them, not only the missing ones: the client re-authorizes once with everything this server requires.
    return insufficientScope(options.requiredScopes, options.resourceMetadata?.(new URL(context.request.url).pathname) ?? null);
  });
}
