/**
 * OAuth grants (docs/authentication.md#built-in-oauth-21-server): one consent is one grant, one connection the user
 * sees and one refresh-token family. Codes and refresh tokens are 32 random bytes given out once
 * and stored as their SHA-256; each is spent by one conditional UPDATE, so of two concurrent
 * uses (on any replica) exactly one wins.
 */
import { and, desc, eq, gt, isNull, lt, or } from "drizzle-orm";
import { iso, isUuid, newId, type ServiceContext } from "./context.ts";
import { hashToken, randomToken } from "./random-token.ts";

/** How long an authorization code may be redeemed (OAuth 2.1 recommends a short lifetime). */
export const AUTHORIZATION_CODE_TTL_MS = 60_000;
/** How long an expired code's row is kept before a later issueCode deletes it. */
const CODE_ROW_KEPT_MS = 24 * 3_600_000;
/** How long a refresh token lives; each rotation issues a new one for as long again. */
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3_600_000;
/** `last_used_at` is rewritten at most once per this interval. */
export const GRANT_LAST_USED_RESOLUTION_MS = 60_000;

export interface OAuthGrant {
  id: string;
  clientId: string;
  userId: string;
  organizationId: string;
  scopes: string[];
  /** The RFC 8707 resource, the audience of the access tokens. */
  resource: string;
  createdAt: string;
  revokedAt: string | null;
}

/** The design's name for OAuthGrant. */
export type Grant = OAuthGrant;

/** A grant as the connections page shows it. */
export interface ConnectionInfo {
  /** The grant's id, what `revokeForUser` takes. */
  id: string;
  clientId: string;
  clientName: string;
  clientUri: string | null;
  organizationId: string;
  organizationSlug: string;
  organizationName: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

export interface CodeRequest {
  clientId: string;
  userId: string;
  organizationId: string;
  scopes: readonly string[];
  resource: string;
  redirectUri: string;
  /** The S256 PKCE challenge, checked by the token endpoint against the verifier. */
  codeChallenge: string;
  ttlMs?: number;
}

export type CodeRedemption = { grant: Grant; redirectUri: string; codeChallenge: string } | { refused: "unknown" | "expired" | "used" | "revoked" };
export type RefreshRotation = { grant: Grant; refreshToken: string } | { refused: "unknown" | "expired" | "revoked" | "reused" };

export function createOAuthGrantService({ db, now }: ServiceContext) {
  const { orm, tables } = db;
  const { oauthGrants, oauthCodes, oauthRefreshTokens, oauthClients, organizations } = tables;

  const toGrant = (row: typeof oauthGrants.$inferSelect): Grant => ({
    id: row.id,
    clientId: row.clientId,
    userId: row.userId,
    organizationId: row.organizationId,
    scopes: splitScopes(row.scopes),
    resource: row.resource,
    createdAt: iso(row.createdAt)!,
    revokedAt: iso(row.revokedAt),
  });

  async function findGrant(grantId: string): Promise<Grant | null> {
    if (!isUuid(grantId)) return null;
    const row = (await orm.select().from(oauthGrants).where(eq(oauthGrants.id, grantId.toLowerCase())))[0];
    return row ? toGrant(row) : null;
  }

  /** Revokes the grant unless it already is; true when this call revoked it. */
  async function revokeGrant(grantId: string): Promise<boolean> {
    if (!isUuid(grantId)) return false;
    const revoked = await orm
      .update(oauthGrants)
      .set({ revokedAt: now() })
      .where(and(eq(oauthGrants.id, grantId.toLowerCase()), isNull(oauthGrants.revokedAt)))
      .returning({ id: oauthGrants.id });
    return revoked.length > 0;
  }

  async function issueRefreshToken(grantId: string, ttlMs = REFRESH_TOKEN_TTL_MS): Promise<string> {
    const token = randomToken();
    const at = now();
    await orm.insert(oauthRefreshTokens).values({ hash: hashToken(token), grantId, expiresAt: new Date(at.getTime() + ttlMs), rotatedAt: null, createdAt: at });
    // Rotated tokens are kept to catch their reuse, but only while they could have been used at all.
    await orm.delete(oauthRefreshTokens).where(and(eq(oauthRefreshTokens.grantId, grantId), lt(oauthRefreshTokens.expiresAt, at)));
    return token;
  }

  return {
    /** Records the user's consent as a new grant and returns a code for it (given out only here). */
    async issueCode(request: CodeRequest): Promise<{ code: string; grantId: string }> {
      const at = now();
      const grantId = newId();
      await orm.insert(oauthGrants).values({
        id: grantId,
        clientId: request.clientId,
        userId: request.userId,
        organizationId: request.organizationId,
        scopes: request.scopes.join(" "),
        resource: request.resource,
        createdAt: at,
        lastUsedAt: null,
        revokedAt: null,
      });
      // Codes expire within a minute; a day later their rows have no use left, not even spotting a reuse.
      await orm.delete(oauthCodes).where(lt(oauthCodes.expiresAt, new Date(at.getTime() - CODE_ROW_KEPT_MS)));
      const code = randomToken();
      await orm.insert(oauthCodes).values({
        hash: hashToken(code),
        grantId,
        redirectUri: request.redirectUri,
        codeChallenge: request.codeChallenge,
        expiresAt: new Date(at.getTime() + (request.ttlMs ?? AUTHORIZATION_CODE_TTL_MS)),
        usedAt: null,
        createdAt: at,
      });
      return { code, grantId };
    },

    /**
     * Spends a code: the first redemption within its lifetime gets the grant; any later one is
     * refused and revokes the grant with every token issued from it (RFC 6749 §4.1.2). The
     * caller checks the client, the redirect URI and PKCE against what is returned.
     */
    async redeemCode(code: string): Promise<CodeRedemption> {
      const hash = hashToken(code);
      const at = now();
      const spent = await orm
        .update(oauthCodes)
        .set({ usedAt: at })
        .where(and(eq(oauthCodes.hash, hash), isNull(oauthCodes.usedAt), gt(oauthCodes.expiresAt, at)))
        .returning();
      const row = spent[0];
      if (!row) {
        const existing = (await orm.select().from(oauthCodes).where(eq(oauthCodes.hash, hash)))[0];
        if (!existing) return { refused: "unknown" };
        if (existing.usedAt) {
          await revokeGrant(existing.grantId);
          return { refused: "used" };
        }
        return { refused: "expired" };
      }
      const grant = await findGrant(row.grantId);
      if (!grant || grant.revokedAt) return { refused: "revoked" };
      return { grant, redirectUri: row.redirectUri, codeChallenge: row.codeChallenge };
    },

    /** A new refresh token of the grant's family (given out only here). */
    issueRefreshToken,

    /**
     * Exchanges a refresh token for the next one of its family. A token already exchanged that
     * comes back means it was copied: the whole family (the grant) is revoked (OAuth 2.1 §4.3.1).
     */
    async rotateRefreshToken(token: string, ttlMs = REFRESH_TOKEN_TTL_MS): Promise<RefreshRotation> {
      const hash = hashToken(token);
      const at = now();
      const spent = await orm
        .update(oauthRefreshTokens)
        .set({ rotatedAt: at })
        .where(and(eq(oauthRefreshTokens.hash, hash), isNull(oauthRefreshTokens.rotatedAt), gt(oauthRefreshTokens.expiresAt, at)))
        .returning({ grantId: oauthRefreshTokens.grantId });
      const row = spent[0];
      if (!row) {
        const existing = (await orm.select().from(oauthRefreshTokens).where(eq(oauthRefreshTokens.hash, hash)))[0];
        if (!existing) return { refused: "unknown" };
        if (existing.rotatedAt) {
          await revokeGrant(existing.grantId);
          return { refused: "reused" };
        }
        return { refused: "expired" };
      }
      const grant = await findGrant(row.grantId);
      if (!grant || grant.revokedAt) return { refused: "revoked" };
      return { grant, refreshToken: await issueRefreshToken(grant.id, ttlMs) };
    },

    /** The grant a refresh token belongs to (rotated, expired or revoked alike), or null. */
    async findGrantOfRefreshToken(token: string): Promise<Grant | null> {
      const row = (
        await orm
          .select({ grant: oauthGrants })
          .from(oauthRefreshTokens)
          .innerJoin(oauthGrants, eq(oauthGrants.id, oauthRefreshTokens.grantId))
          .where(eq(oauthRefreshTokens.hash, hashToken(token)))
      )[0];
      return row ? toGrant(row.grant) : null;
    },

    findGrant,

    /** Revokes a grant: its refresh tokens stop working and its access tokens are refused. True when this call revoked it. */
    revokeGrant,

    /** True when the grant exists and is not revoked (the user and membership are checked by the authenticator). */
    async isGrantActive(grantId: string): Promise<boolean> {
      const grant = await findGrant(grantId);
      return grant !== null && grant.revokedAt === null;
    },

    /** Records a use of the grant, writing at most once per GRANT_LAST_USED_RESOLUTION_MS. */
    async touch(grantId: string): Promise<void> {
      if (!isUuid(grantId)) return;
      const at = now();
      const staleBefore = new Date(at.getTime() - GRANT_LAST_USED_RESOLUTION_MS);
      // Conditional, so concurrent requests on several replicas write it once between them.
      await orm
        .update(oauthGrants)
        .set({ lastUsedAt: at })
        .where(and(eq(oauthGrants.id, grantId.toLowerCase()), or(isNull(oauthGrants.lastUsedAt), lt(oauthGrants.lastUsedAt, staleBefore))));
    },

    /** The user's connections: grants not revoked, newest first. */
    async listForUser(userId: string): Promise<ConnectionInfo[]> {
      if (!isUuid(userId)) return [];
      const rows = await orm
        .select({ grant: oauthGrants, clientName: oauthClients.name, clientUri: oauthClients.clientUri, organizationSlug: organizations.slug, organizationName: organizations.name })
        .from(oauthGrants)
        .innerJoin(oauthClients, eq(oauthClients.id, oauthGrants.clientId))
        .innerJoin(organizations, eq(organizations.id, oauthGrants.organizationId))
        .where(and(eq(oauthGrants.userId, userId.toLowerCase()), isNull(oauthGrants.revokedAt)))
        .orderBy(desc(oauthGrants.createdAt), desc(oauthGrants.id));
      return rows.map(({ grant, ...joined }) => ({
        id: grant.id,
        clientId: grant.clientId,
        clientName: joined.clientName,
        clientUri: joined.clientUri,
        organizationId: grant.organizationId,
        organizationSlug: joined.organizationSlug,
        organizationName: joined.organizationName,
        scopes: splitScopes(grant.scopes),
        createdAt: iso(grant.createdAt)!,
        lastUsedAt: iso(grant.lastUsedAt),
      }));
    },

    /** Revokes one of the user's own grants; false when it is not theirs, unknown or already revoked. */
    async revokeForUser(userId: string, grantId: string): Promise<boolean> {
      if (!isUuid(userId) || !isUuid(grantId)) return false;
      const revoked = await orm
        .update(oauthGrants)
        .set({ revokedAt: now() })
        .where(and(eq(oauthGrants.id, grantId.toLowerCase()), eq(oauthGrants.userId, userId.toLowerCase()), isNull(oauthGrants.revokedAt)))
        .returning({ id: oauthGrants.id });
      return revoked.length > 0;
    },
  };
}

export type OAuthGrantService = ReturnType<typeof createOAuthGrantService>;

function splitScopes(stored: string): string[] {
  return stored.split(" ").filter(Boolean);
}
