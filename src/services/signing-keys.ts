/**
 * The rows of the OAuth server's signing keys. Rows only: generating, encrypting and choosing
 * keys is src/oauth/key-ring.ts's work.
 */
import { asc, desc, isNull } from "drizzle-orm";
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

    /** Retires every key that is not retired yet, as of `at`. */
    async retireCurrent(at: Date): Promise<void> {
      await orm.update(signingKeys).set({ retiredAt: at }).where(isNull(signingKeys.retiredAt));
    },
  };
}

export type SigningKeyService = ReturnType<typeof createSigningKeyService>;
