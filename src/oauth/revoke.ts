/**
 * Token revocation (RFC 7009). A refresh token revokes its whole grant, and so do the access
 * tokens issued from it (§2.1: revoking one SHOULD revoke the others of the same grant); an access
 * token does the same, since the grant is what the verifier checks. Unknown, expired or foreign
 * tokens get the same empty 200 (§2.2), so the endpoint tells a caller nothing about tokens it
 * does not hold.
 */
import { Elysia } from "elysia";
import { tokenRateLimit, type TokenLimitOptions } from "./token.ts";
import { InvalidRequestError, UnsupportedTokenTypeError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import { TokenRejectedError } from "../auth/errors.ts";
import { log } from "../log.ts";
import type { Services } from "../services/index.ts";
import type { AccessTokens } from "./access-tokens.ts";
import { authenticateClient } from "./client-auth.ts";
import type { ClientDirectory } from "./clients.ts";
import { oauthErrorResponse } from "./errors.ts";
import { readForm } from "./form.ts";

const TOKEN_TYPE_HINTS = ["access_token", "refresh_token"];
const MAX_TOKEN_LENGTH = 8 * 1024;

export function revocationEndpoint({ services, clients, accessTokens, limit }: { services: Services; clients: ClientDirectory; accessTokens: AccessTokens; limit: TokenLimitOptions }) {
  /** The grant `token` belongs to, when it is one of ours. */
  async function grantOf(token: string): Promise<{ grantId: string; clientId: string } | null> {
    if (accessTokens.isOurs(token)) {
      try {
        const verified = await accessTokens.verify(token);
        return { grantId: verified.grantId, clientId: verified.clientId };
      } catch (error) {
        if (error instanceof TokenRejectedError) return null;
        throw error;
      }
    }
    const grant = await services.oauthGrants.findGrantOfRefreshToken(token);
    return grant && { grantId: grant.id, clientId: grant.clientId };
  }

  return new Elysia({ name: "oauth-revoke" }).use(tokenRateLimit("revoke", limit)).post("/oauth/revoke", async function revokeToken({ request }) {
    const form = await readForm(request);
    if (!form.ok) return oauthErrorResponse("revoke", new InvalidRequestError(`Malformed revocation request: ${form.reason}.`));
    const client = await authenticateClient(clients, request, form.params);
    if (!client.ok) return oauthErrorResponse("revoke", client.error, client.reason, client.basic ? { "WWW-Authenticate": 'Basic realm="superset"' } : {});
    const { token, token_type_hint: hint } = form.params;
    if (!token || token.length > MAX_TOKEN_LENGTH) return oauthErrorResponse("revoke", new InvalidRequestError("token is required."));
    if (hint !== undefined && !TOKEN_TYPE_HINTS.includes(hint)) return oauthErrorResponse("revoke", new UnsupportedTokenTypeError("token_type_hint must be access_token or refresh_token."));

    const grant = await grantOf(token);
    if (grant && grant.clientId === client.client.id) await services.oauthGrants.revokeGrant(grant.grantId);
    else if (grant) log.info("oauth revocation ignored", { reason: `token of client ${grant.clientId} presented by ${client.client.id}` });
    return new Response(null, { status: 200, headers: { "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*" } });
  });
}
