/**
 * Signed-in sessions of the web pages. The cookie carries 32 random bytes; the database holds
 * their SHA-256, so a leaked database signs nobody in.
 */
import { and, eq, gt, lte } from "drizzle-orm";
import { iso, isUuid, type ServiceContext } from "./context.ts";
import { hashToken, randomToken } from "./random-token.ts";

export interface WebSession {
  userId: string;
  expiresAt: string;
}

export function createWebSessionService({ db, now }: ServiceContext) {
  const { orm, tables } = db;
  const { webSessions } = tables;

  return {
    /** A new session of the user, lasting `lifetimeSeconds`; the token (the cookie value) is given out only here. */
    async create(userId: string, lifetimeSeconds: number): Promise<{ token: string; expiresAt: string }> {
      const at = now();
      const token = randomToken();
      const expiresAt = new Date(at.getTime() + lifetimeSeconds * 1000);
      // The user's ended sessions go when a new one starts, so the table does not grow without bound.
      await orm.delete(webSessions).where(and(eq(webSessions.userId, userId), lte(webSessions.expiresAt, at)));
      await orm.insert(webSessions).values({ hash: hashToken(token), userId, createdAt: at, expiresAt });
      return { token, expiresAt: iso(expiresAt)! };
    },

    /** The session a cookie value names, or null when unknown or expired. */
    async find(token: string): Promise<WebSession | null> {
      const row = (
        await orm
          .select()
          .from(webSessions)
          .where(and(eq(webSessions.hash, hashToken(token)), gt(webSessions.expiresAt, now())))
      )[0];
      return row ? { userId: row.userId, expiresAt: iso(row.expiresAt)! } : null;
    },

    /** Ends one session (signing out). */
    async delete(token: string): Promise<void> {
      await orm.delete(webSessions).where(eq(webSessions.hash, hashToken(token)));
    },

    /** Ends every session of the user (a password change, a disabled user). */
    async deleteForUser(userId: string): Promise<void> {
      if (!isUuid(userId)) return;
      await orm.delete(webSessions).where(eq(webSessions.userId, userId.toLowerCase()));
    },
  };
}

export type WebSessionService = ReturnType<typeof createWebSessionService>;
