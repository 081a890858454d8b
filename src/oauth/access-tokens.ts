/**
 * The built-in access tokens: ES256 JWTs (RFC 9068 profile, `typ: at+jwt`) signed with this
 * server's current key, for one resource (the MCP URL the client asked for, RFC 8707), one user in
 * one organization, and the scopes they approved. `grant_id` ties a token to its consent, so
 * revoking the connection (or reusing a rotated refresh token) stops its access tokens at once.
 */
import { decodeJwt, errors, jwtVerify, SignJWT } from "jose";
import { TokenRejectedError } from "../auth/errors.ts";
import type { TokenClaims } from "../auth/claims.ts";
import type { KeyRing } from "./key-ring.ts";
import type { OAuthUrls } from "./urls.ts";

export const ACCESS_TOKEN_TYPE = "at+jwt";
const ALGORITHM = "ES256";

export interface AccessTokenGrant {
  id: string;
  clientId: string;
  userId: string;
  organizationId: string;
  resource: string;
}

export interface VerifiedAccessToken {
  claims: TokenClaims;
  userId: string;
  organizationId: string;
  grantId: string;
  clientId: string;
  scopes: string[];
}

export interface AccessTokenOptions {
  keyRing: KeyRing;
  urls: OAuthUrls;
  ttlSeconds: number;
  leewaySeconds: number;
  now?: () => Date;
}

export function createAccessTokens({ keyRing, urls, ttlSeconds, leewaySeconds, now = () => new Date() }: AccessTokenOptions) {
  return {
    ttlSeconds,

    async issue(grant: AccessTokenGrant, scopes: readonly string[]): Promise<string> {
      const { kid, key } = await keyRing.signingKey();
      const issuedAt = Math.floor(now().getTime() / 1000);
      return new SignJWT({ client_id: grant.clientId, scope: scopes.join(" "), organizationId: grant.organizationId, grant_id: grant.id })
        .setProtectedHeader({ alg: ALGORITHM, kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(urls.issuer)
        .setSubject(grant.userId)
        .setAudience(grant.resource)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .setJti(crypto.randomUUID())
        .sign(key);
    },

    /** True when the token claims to come from this server (its unverified `iss`), so this verifier, not an external one, must judge it. */
    isOurs(token: string): boolean {
      try {
        return decodeJwt(token).iss === urls.issuer;
      } catch {
        return false;
      }
    },

    /** The token's holder; throws TokenRejectedError (with a reason for the log) when it does not verify. */
    async verify(token: string): Promise<VerifiedAccessToken> {
      let claims: TokenClaims;
      try {
        const verified = await jwtVerify(
          token,
          async (header) => {
            const key = header.kid ? await keyRing.verificationKey(header.kid) : null;
            if (!key) throw new TokenRejectedError(`no signing key with kid ${JSON.stringify(header.kid ?? null)}`);
            return key;
          },
          {
            issuer: urls.issuer,
            audience: [...urls.resources],
            algorithms: [ALGORITHM],
            typ: ACCESS_TOKEN_TYPE,
            clockTolerance: leewaySeconds,
            currentDate: now(),
            requiredClaims: ["exp", "sub", "jti"],
          },
        );
        claims = verified.payload as TokenClaims;
      } catch (error) {
        if (error instanceof TokenRejectedError) throw error;
        if (error instanceof errors.JOSEError) throw new TokenRejectedError(`built-in access token: ${error.code}: ${error.message}`);
        throw error;
      }
      const text = (name: string) => (typeof claims[name] === "string" ? (claims[name] as string) : "");
      const [userId, organizationId, grantId, clientId] = [text("sub"), text("organizationId"), text("grant_id"), text("client_id")];
      if (!userId || !organizationId || !grantId || !clientId) throw new TokenRejectedError("built-in access token lacks sub, organizationId, grant_id or client_id");
      return { claims, userId, organizationId, grantId, clientId, scopes: text("scope").split(" ").filter(Boolean) };
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;
