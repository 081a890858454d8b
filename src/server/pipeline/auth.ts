/**
 * Step 3 of the MCP pipeline (auth.md): who is calling. Resolves the request's principal with the
 * authenticator of src/auth and refuses what does not verify with the RFC 6750 answer; the reason
 * goes to the server log, in detail only when MCP_JWT_DEBUG_ERRORS is on.
 */
import { Elysia } from "elysia";
import type { Authenticator, AuthResult } from "../../auth/authenticate.ts";
import { challengeScopes, insufficientScope, unauthorized } from "../../auth/challenges.ts";
import type { Principal } from "../../auth/principal.ts";
import { log } from "../../log.ts";

export interface AuthOptions {
  authenticate: Authenticator;
  /** MCP_JWT_DEBUG_ERRORS: log each refusal's detail (user names, claims), never send it. */
  debugErrors: boolean;
  /** The RFC 9728 metadata URL of an MCP path, when the built-in OAuth server publishes one; a 401 names it so clients can find where to sign in. */
  resourceMetadata?: ((mcpPath: string) => string) | null;
  /** The scopes a 401 tells clients to ask for: what using this server's tools takes (see app.ts). */
  challengeScopes?: readonly string[];
  /** Told of each request whose credential verified (the rate limit then counts the credential's later requests under it). */
  onAuthenticated?: (request: Request) => Promise<void>;
}

type Refusal = Exclude<AuthResult, { ok: true }>;

/** A plain GET of the MCP URL from a browser or curl: answered with a public description, no credential needed. */
export function isDescriptionRequest(request: Request): boolean {
  return request.method === "GET" && !(request.headers.get("accept") ?? "").includes("text/event-stream");
}

export function authentication(options: AuthOptions) {
  function logRefusal(refusal: Refusal, request: Request): void {
    const fields: Record<string, unknown> = { status: refusal.status, reason: refusal.reason, method: request.method, path: new URL(request.url).pathname };
    if (options.debugErrors && refusal.detail) fields.detail = refusal.detail;
    log.info("request refused", fields);
  }

  return new Elysia({ name: "auth" })
    .resolve({ as: "scoped" }, async function resolvePrincipal({ request }): Promise<{ principal: Principal | null; refusal: Refusal | null }> {
      if (isDescriptionRequest(request)) return { principal: null, refusal: null };
      const result = await options.authenticate(request);
      if (result.ok) {
        await options.onAuthenticated?.(request);
        return { principal: result.principal, refusal: null };
      }
      logRefusal(result, request);
      return { principal: null, refusal: result };
    })
    .onBeforeHandle({ as: "scoped" }, function refuseUnauthenticated({ refusal, request }) {
      if (!refusal) return;
      const resourceMetadata = options.resourceMetadata?.(new URL(request.url).pathname) ?? null;
      if (refusal.status === 403) return insufficientScope(challengeScopes(refusal.scopes, options.challengeScopes ?? []), resourceMetadata);
      return unauthorized(resourceMetadata, options.challengeScopes ?? []);
    });
}
