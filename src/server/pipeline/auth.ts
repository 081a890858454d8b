/**
 * Step 3 of the MCP pipeline: who is calling. In dev mode (MCP_AUTH_ENABLED = False) a request
 * without a credential runs as MCP_DEV_USERNAME in that user's default organization. A credential
 * that is present must verify; no verifier is installed in this build, so any credential, and any
 * request at all when auth is on, is refused with the RFC 6750 answer of auth.md.
 */
import { Elysia } from "elysia";
import { log } from "../../log.ts";
import { ALL_TOOL_SCOPES, principalKey, type Principal } from "../../auth/principal.ts";
import type { Services } from "../../services/index.ts";

const DEV_ACTOR_TTL_MS = 5_000;

export interface AuthOptions {
  authEnabled: boolean;
  devUsername: string | null;
  services: Services;
}

/** The 401 of RFC 6750 §3 with the generic description of auth.md; the reason stays in the log. */
export function unauthorized(): Response {
  return new Response(JSON.stringify({ error: "invalid_token", error_description: "Authentication required" }), {
    status: 401,
    headers: {
      "Content-Type": "application/json",
      "WWW-Authenticate": 'Bearer realm="superset", error="invalid_token", error_description="Authentication required"',
    },
  });
}

/** True when the request carries a credential in one of the places auth.md reads. */
export function hasCredential(request: Request): boolean {
  return request.headers.has("authorization") || request.headers.has("x-api-key");
}

/** A plain GET of the MCP URL from a browser or curl: answered with a description, no credential needed. */
export function isDescriptionRequest(request: Request): boolean {
  return request.method === "GET" && !(request.headers.get("accept") ?? "").includes("text/event-stream");
}

export function authentication(options: AuthOptions) {
  let devPrincipal: { principal: Principal; until: number } | null = null;

  /** The dev user's principal, cached briefly so every request does not cost a lookup. */
  async function resolveDevPrincipal(): Promise<Principal | null> {
    if (devPrincipal && devPrincipal.until > Date.now()) return devPrincipal.principal;
    const resolved = await options.services.accounts.resolveActor(options.devUsername!);
    if ("refused" in resolved) {
      log.warn("dev user refused", { reason: resolved.refused });
      return null;
    }
    const principal: Principal = { actor: resolved, kind: "dev", scopes: ALL_TOOL_SCOPES, toolScopesEnforced: false, clientId: null, key: principalKey(resolved, ALL_TOOL_SCOPES) };
    devPrincipal = { principal, until: Date.now() + DEV_ACTOR_TTL_MS };
    return principal;
  }

  return new Elysia({ name: "auth" })
    .resolve({ as: "scoped" }, async function resolvePrincipal({ request }) {
      if (options.authEnabled || hasCredential(request)) {
        if (!isDescriptionRequest(request)) log.info("request refused", { reason: options.authEnabled ? "no credential verifier is configured" : "credential given in dev mode cannot be verified" });
        return { principal: null };
      }
      return { principal: await resolveDevPrincipal() };
    })
    .onBeforeHandle({ as: "scoped" }, function requirePrincipal({ principal, request }) {
      if (!principal && !isDescriptionRequest(request)) return unauthorized();
    });
}
