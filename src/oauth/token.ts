/**
 * The token endpoint (RFC 6749 §3.2, OAuth 2.1 §3.2 and §4.1.3, §4.3): an authorization code,
 * once, within 60 s, by the client it was issued to, with the same redirect URI and the PKCE
 * verifier of its challenge; or a refresh token, which is rotated on every use — a rotated token
 * presented again means it leaked, and the whole grant is revoked (OAuth 2.1 §4.3.1). Both answer
 * a fresh access token and refresh token, never cached.
 */
import { Elysia } from "elysia";
import * as v from "valibot";
import { InvalidGrantError, InvalidRequestError, InvalidScopeError, InvalidTargetError, UnsupportedGrantTypeError, type OAuthError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import type { OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { Services } from "../services/index.ts";
import type { Grant } from "../services/oauth-grants.ts";
import type { AccessTokens } from "./access-tokens.ts";
import { authenticateClient } from "./client-auth.ts";
import type { ClientDirectory } from "./clients.ts";
import { oauthErrorResponse, oauthJson } from "./errors.ts";
import { readForm } from "./form.ts";
import { verifierMatches } from "./pkce.ts";
import { parseScopes } from "./scopes.ts";
import { sameResource } from "./resources.ts";
import { rateLimit, type RateLimitOptions } from "../server/pipeline/rate-limit.ts";

const TOKEN_TEXT = v.pipe(v.string(), v.minLength(1), v.maxLength(512));
/** Unknown parameters are ignored, as RFC 6749 §3.2 requires; the known ones must be well formed. */
const tokenRequestSchema = v.variant("grant_type", [
  v.object({
    grant_type: v.literal("authorization_code"),
    code: TOKEN_TEXT,
    redirect_uri: v.optional(v.pipe(v.string(), v.maxLength(2000))),
    code_verifier: TOKEN_TEXT,
    resource: v.optional(v.string()),
  }),
  v.object({ grant_type: v.literal("refresh_token"), refresh_token: TOKEN_TEXT, scope: v.optional(v.pipe(v.string(), v.maxLength(200))), resource: v.optional(v.string()) }),
]);

/**
 * Token requests (and, separately, revocation requests) allowed per client address and window, counted before the client
 * is authenticated: a client refreshes a few times an hour, a guesser of codes or secrets thousands.
 */
export const TOKEN_RATE_LIMIT = { requests: 60, windowSeconds: 60 };

/** Where the token and revocation limits count, per client address. */
export type TokenLimitOptions = Pick<RateLimitOptions, "store" | "trustedProxies" | "onRefused">;

/** The rate limit of the token or the revocation endpoint (each its own budget per address; distinct names, since Elysia keeps one plugin per name). */
export const tokenRateLimit = (endpoint: "token" | "revoke", limit: TokenLimitOptions) => rateLimit({ name: `oauth-${endpoint}`, enabled: true, ...TOKEN_RATE_LIMIT, ...limit });

export interface TokenEndpointOptions {
  services: Services;
  clients: ClientDirectory;
  accessTokens: AccessTokens;
  limit: TokenLimitOptions;
}

type CodeExchange = { code: string; redirect_uri?: string; code_verifier: string; resource?: string };
type Outcome = { ok: true; grant: Grant; scopes: string[]; refreshToken: string } | { ok: false; error: OAuthError; reason: string };

/** Why a redeemed code may not be exchanged by this request: another client, another redirect URI, a wrong PKCE verifier or another resource. */
function codeProblem(clientId: string, request: CodeExchange, issued: { grant: Grant; redirectUri: string; codeChallenge: string }): Extract<Outcome, { ok: false }> | null {
  const fail = (error: OAuthError, reason: string) => ({ ok: false as const, error, reason });
  if (issued.grant.clientId !== clientId)
    return fail(new InvalidGrantError("The authorization code was issued to another client."), `code of client ${issued.grant.clientId} presented by ${clientId}`);
  if (request.redirect_uri !== undefined && request.redirect_uri !== issued.redirectUri)
    return fail(new InvalidGrantError("redirect_uri differs from the authorization request."), "redirect_uri mismatch");
  if (!verifierMatches(request.code_verifier, issued.codeChallenge)) return fail(new InvalidGrantError("The code_verifier does not match the code_challenge."), "PKCE mismatch");
  if (request.resource !== undefined && !sameResource(request.resource, issued.grant.resource))
    return fail(new InvalidTargetError("The resource differs from the authorization request."), `resource ${request.resource} vs ${issued.grant.resource}`);
  return null;
}

export function tokenEndpoint({ services, clients, accessTokens, limit }: TokenEndpointOptions) {
  const fail = (error: OAuthError, reason: string): Outcome => ({ ok: false, error, reason });

  async function exchangeCode(clientId: string, request: CodeExchange): Promise<Outcome> {
    const redeemed = await services.oauthGrants.redeemCode(request.code);
    if ("refused" in redeemed) return fail(new InvalidGrantError("The authorization code is invalid, expired or already used."), `code ${redeemed.refused}`);
    const { grant, redirectUri, codeChallenge } = redeemed;
    const problem = codeProblem(clientId, request, { grant, redirectUri, codeChallenge });
    if (problem) {
      // The code is spent either way; its grant, which no token came from, is revoked so it is no connection.
      await services.oauthGrants.revokeGrant(grant.id);
      return problem;
    }
    const refreshToken = await services.oauthGrants.issueRefreshToken(grant.id);
    return { ok: true, grant, scopes: grant.scopes, refreshToken };
  }

  async function refresh(clientId: string, request: { refresh_token: string; scope?: string; resource?: string }): Promise<Outcome> {
    const known = await services.oauthGrants.findGrantOfRefreshToken(request.refresh_token);
    // Another client's token is refused without spending it: the caller may be probing, not the holder.
    if (known && known.clientId !== clientId)
      return fail(new InvalidGrantError("The refresh token is invalid, expired or revoked."), `refresh token of client ${known.clientId} presented by ${clientId}`);
    let scopes: string[] | null = null;
    if (request.scope !== undefined) {
      scopes = parseScopes(request.scope);
      if (!scopes || (known && !scopes.every((scope) => known.scopes.includes(scope))))
        return fail(new InvalidScopeError("A refresh may only narrow the scopes that were granted."), `scope ${request.scope}`);
    }
    if (request.resource !== undefined && known && !sameResource(request.resource, known.resource))
      return fail(new InvalidTargetError("The resource differs from the one the grant is for."), `resource ${request.resource}`);
    const rotated = await services.oauthGrants.rotateRefreshToken(request.refresh_token);
    if ("refused" in rotated) return fail(new InvalidGrantError("The refresh token is invalid, expired or revoked."), `refresh token ${rotated.refused}`);
    return { ok: true, grant: rotated.grant, scopes: scopes ?? rotated.grant.scopes, refreshToken: rotated.refreshToken };
  }

  return new Elysia({ name: "oauth-token" }).use(tokenRateLimit("token", limit)).post("/oauth/token", async function issueTokens({ request }) {
    const form = await readForm(request);
    if (!form.ok) return oauthErrorResponse("token", new InvalidRequestError(`Malformed token request: ${form.reason}.`));
    const client = await authenticateClient(clients, request, form.params);
    if (!client.ok) return oauthErrorResponse("token", client.error, client.reason, client.basic ? { "WWW-Authenticate": 'Basic realm="superset"' } : {});
    if (!["authorization_code", "refresh_token"].includes(form.params.grant_type ?? "")) {
      return oauthErrorResponse("token", new UnsupportedGrantTypeError("grant_type must be authorization_code or refresh_token."), `grant_type ${form.params.grant_type}`);
    }
    const parsed = v.safeParse(tokenRequestSchema, form.params);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      return oauthErrorResponse("token", new InvalidRequestError(`Malformed token request: ${v.getDotPath(issue) ?? "a parameter"} is missing or invalid.`));
    }
    const outcome = parsed.output.grant_type === "authorization_code" ? await exchangeCode(client.client.id, parsed.output) : await refresh(client.client.id, parsed.output);
    if (!outcome.ok) return oauthErrorResponse("token", outcome.error, outcome.reason);
    const accessToken = await accessTokens.issue(outcome.grant, outcome.scopes);
    const body: OAuthTokens = {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: accessTokens.ttlSeconds,
      refresh_token: outcome.refreshToken,
      scope: outcome.scopes.join(" "),
    };
    return oauthJson(body);
  });
}
