/**
 * The rows of the OAuth server's signing keys. Rows only: generating, encrypting and choosing
 * keys is src/oauth/key-ring.ts's work.
 */
import { and, asc, desc, isNull, ne } from "drizzle-orm";
import type { ServiceContext } from "./context.ts";

/** One stored key: `privateKey` is the encrypted private JWK, `retiredAt` null for the current key. */
export interface SigningKeyRow {
  id: string;
  algorithm: string;
  publicJwk: string;
  privateKey: string;
  createdAt: Date;
  retiredAt: Date | null;
}

export function createSigningKeyService({ db, now }: ServiceContext) {
  const { orm, tables } = db;
  const { signingKeys } = tables;

  return {
    /** Every key, newest first. */
    async list(): Promise<SigningKeyRow[]> {
      return orm.select().from(signingKeys).orderBy(desc(signingKeys.createdAt), asc(signingKeys.id));
    },

    /** Stores a key; `createdAt` defaults to now. */
    async add(row: Omit<SigningKeyRow, "createdAt" | "retiredAt"> & { createdAt?: Date; retiredAt?: Date | null }): Promise<void> {
      await orm.insert(signingKeys).values({ ...row, createdAt: row.createdAt ?? now(), retiredAt: row.retiredAt ?? null });
    },

    /**
     * Retires every key that is not retired yet, as of `at`, but `except` (a rotation adds the new
     * key first and retires the others after, so there is never a moment without a current key).
     */
    async retireCurrent(at: Date, options: { except?: string } = {}): Promise<void> {
      const keep = options.except === undefined ? undefined : ne(signingKeys.id, options.except);
      await orm
        .update(signingKeys)
        .set({ retiredAt: at })
        .where(and(isNull(signingKeys.retiredAt), keep));
    },
  };
}

export type SigningKeyService = ReturnType<typeof createSigningKeyService>;
