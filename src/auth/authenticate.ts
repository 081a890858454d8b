/**
 * Turns a request's credential into a principal (docs/authentication.md#credentials and its modes): API keys by
 * their `sk_live_` prefix, this server's own access tokens by their issuer, other bearer tokens
 * through `MCP_AUTH_FACTORY`'s provider when there is one, else through the external-JWT verifier;
 * no credential means the dev user in dev mode and a refusal otherwise. Every refusal carries a reason for the server log and nothing for the client.
 */
import { hasExternalJwtKey } from "../config/checks.ts";
import type { AuthProvider, ResolvedConfig } from "../config/schema.ts";
import type { AccessTokens } from "../oauth/access-tokens.ts";
import type { Services } from "../services/index.ts";
import { looksLikeApiKey } from "./api-key-format.ts";
import { externalJwtAudiences } from "./audience.ts";
import { clientIdFromClaims, organizationFromClaims, scopesFromClaims, usernameFromClaims, type TokenClaims } from "./claims.ts";
import { looksLikeJwt, readCredential } from "./credentials.ts";
import { InsufficientScopeError, TokenRejectedError } from "./errors.ts";
import { JWTVerifier } from "./jwt-verifier.ts";
import { principalKey, type CredentialKind, type Principal } from "./principal.ts";
import { TOOL_SCOPES } from "./scopes.ts";

/** How long the dev user's principal is reused before it is looked up again (a disabled dev user stops within this). */
const DEV_PRINCIPAL_TTL_MS = 5_000;
/** A grant's last use is recorded at most this often by one process, so a busy client does not write on every request. */
const GRANT_TOUCH_INTERVAL_MS = 60_000;
const GRANT_TOUCH_MEMORY = 10_000;

export type AuthResult =
  | { ok: true; principal: Principal }
  /** `reason` is safe for the log; `detail` may name users and claims and is logged only with MCP_JWT_DEBUG_ERRORS. */
  | { ok: false; status: 401; reason: string; detail?: string }
  | { ok: false; status: 403; reason: string; detail?: string; scopes: readonly string[] };

export interface AuthenticatorOptions {
  config: ResolvedConfig;
  services: Services;
  /** The provider `MCP_AUTH_FACTORY` built at start, or null. */
  customProvider: AuthProvider | null;
  /** The built-in OAuth server's tokens, when it is on. */
  accessTokens?: AccessTokens | null;
}

export type Authenticator = (request: Request) => Promise<AuthResult>;

const refuse = (reason: string, detail?: string): AuthResult => ({ ok: false, status: 401, reason, detail });

/** The verifier for external JWTs (audience: see audience.ts), or null when no key source is configured (or a custom provider replaces it). */
export function externalJwtVerifier(config: ResolvedConfig): JWTVerifier | null {
  if (config.MCP_AUTH_FACTORY || !hasExternalJwtKey(config)) return null;
  return new JWTVerifier({
    jwksUri: config.MCP_JWKS_URI ?? undefined,
    publicKey: config.MCP_JWT_PUBLIC_KEY ?? undefined,
    secret: config.MCP_JWT_SECRET ?? undefined,
    algorithm: config.MCP_JWT_ALGORITHM,
    issuer: config.MCP_JWT_ISSUER ?? undefined,
    // RFC 8707: only tokens meant for this server, its own resource URI unless MCP_JWT_AUDIENCE names another audience.
    audience: externalJwtAudiences(config),
    leewaySeconds: config.MCP_JWT_LEEWAY_SECONDS,
  });
}

export function createAuthenticator({ config, services, customProvider, accessTokens = null }: AuthenticatorOptions): Authenticator {
  const verifier = externalJwtVerifier(config);
  let dev: { principal: Principal; untilMs: number } | null = null;
  const grantTouchedAt = new Map<string, number>();

  function recordGrantUse(grantId: string): void {
    const nowMs = Date.now();
    if (nowMs - (grantTouchedAt.get(grantId) ?? 0) < GRANT_TOUCH_INTERVAL_MS) return;
    if (grantTouchedAt.size >= GRANT_TOUCH_MEMORY) grantTouchedAt.clear();
    grantTouchedAt.set(grantId, nowMs);
    services.oauthGrants.touch(grantId).catch(() => grantTouchedAt.delete(grantId));
  }

  async function devPrincipal(): Promise<AuthResult> {
    if (config.MCP_AUTH_ENABLED || !config.MCP_DEV_USERNAME) return refuse("no credential");
    if (dev && dev.untilMs > Date.now()) return { ok: true, principal: dev.principal };
    const actor = await services.accounts.resolveActor(config.MCP_DEV_USERNAME);
    if ("refused" in actor) return refuse("the dev user cannot be used", actor.refused);
    const principal: Principal = { actor, kind: "dev", scopes: TOOL_SCOPES, toolScopesEnforced: false, clientId: null, key: principalKey(actor, TOOL_SCOPES) };
    dev = { principal, untilMs: Date.now() + DEV_PRINCIPAL_TTL_MS };
    return { ok: true, principal };
  }

  async function apiKeyPrincipal(key: string): Promise<AuthResult> {
    if (!config.MCP_API_KEYS_ENABLED) return refuse("API key given but MCP_API_KEYS_ENABLED is false");
    const verified = await services.apiKeys.authenticate(key);
    if ("refused" in verified) return refuse(`API key refused: ${verified.refused}`);
    const { actor, scopes } = verified;
    return { ok: true, principal: { actor, kind: "api_key", scopes, toolScopesEnforced: true, clientId: null, key: principalKey(actor, scopes) } };
  }

  /** The principal a verified token's claims name: an active user who is a member of the organization. */
  async function claimsPrincipal(claims: TokenClaims, kind: CredentialKind): Promise<AuthResult> {
    const username = usernameFromClaims(claims);
    if (!username) return refuse("token names no user", "none of sub, client_id, email, username is set");
    const actor = await services.accounts.resolveActor(username, organizationFromClaims(claims));
    if ("refused" in actor) return refuse("token's user cannot be used", actor.refused);
    const scopes = scopesFromClaims(claims);
    const principal: Principal = { actor, kind, scopes, toolScopesEnforced: config.MCP_ENFORCE_TOOL_SCOPES, clientId: clientIdFromClaims(claims), key: principalKey(actor, scopes) };
    return { ok: true, principal };
  }

  /** A token this server issued: its signature, audience and expiry, then its grant (a revoked connection stops at once) and its user's membership. */
  async function builtInPrincipal(tokens: AccessTokens, token: string): Promise<AuthResult> {
    let verified;
    try {
      verified = await tokens.verify(token);
    } catch (error) {
      return verificationFailure(error, "built-in access token");
    }
    if (!(await services.oauthGrants.isGrantActive(verified.grantId))) return refuse("built-in access token's grant was revoked", `grant ${verified.grantId}`);
    // `sub` is the user's id, which never changes, where other tokens name a username.
    const user = await services.accounts.findUserById(verified.userId);
    if (!user) return refuse("built-in access token's user no longer exists", `user ${verified.userId}`);
    const actor = await services.accounts.resolveActor(user.username, verified.organizationId);
    if ("refused" in actor) return refuse("built-in access token's user cannot be used", actor.refused);
    recordGrantUse(verified.grantId);
    const { scopes, clientId } = verified;
    return { ok: true, principal: { actor, kind: "oauth", scopes, toolScopesEnforced: true, clientId, key: principalKey(actor, scopes) } };
  }

  async function tokenPrincipal(token: string, request: Request): Promise<AuthResult> {
    if (accessTokens && looksLikeJwt(token) && accessTokens.isOurs(token)) return builtInPrincipal(accessTokens, token);
    if (customProvider) {
      let claims: unknown;
      try {
        claims = await customProvider.verify(token, request);
      } catch (error) {
        return verificationFailure(error, "MCP_AUTH_FACTORY provider");
      }
      if (!claims || typeof claims !== "object") return refuse("MCP_AUTH_FACTORY provider refused the token");
      return claimsPrincipal(claims as TokenClaims, "custom");
    }
    if (!verifier) return refuse("bearer token given but no JWT key is configured (MCP_JWKS_URI, MCP_JWT_PUBLIC_KEY or MCP_JWT_SECRET)");
    if (!looksLikeJwt(token)) return refuse("bearer token is neither an API key nor a JWT");
    try {
      return claimsPrincipal(await verifier.verify(token), "jwt");
    } catch (error) {
      return verificationFailure(error, "JWT");
    }
  }

  return async function authenticate(request) {
    const credential = readCredential(request);
    if (credential.kind === "none") return devPrincipal();
    if (credential.kind === "malformed") return refuse(credential.reason);
    if (looksLikeApiKey(credential.token)) return apiKeyPrincipal(credential.token);
    return tokenPrincipal(credential.token, request);
  };
}

function verificationFailure(error: unknown, what: string): AuthResult {
  if (error instanceof InsufficientScopeError) return { ok: false, status: 403, reason: `${what} lacks required scopes`, detail: error.message, scopes: error.scopes };
  if (error instanceof TokenRejectedError) return refuse(`${what} rejected`, error.message);
  return refuse(`${what} verification failed`, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
