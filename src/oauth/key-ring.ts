/**
 * The OAuth server's signing keys (docs/authentication.md#built-in-oauth-21-server): ES256 key pairs kept in the
 * database, the private half encrypted with SECRET_KEY. The newest key that is not retired signs;
 * a retired key stays published (and verifies) while tokens it signed may still be alive.
 *
 * Stored private key: "v1." + base64url(12-byte IV) + "." + base64url(AES-256-GCM ciphertext of
 * the private JWK's JSON), the AES key being HKDF-SHA256(SECRET_KEY, salt "superset-signing-keys",
 * info "v1"). Keys come from jose and the cipher from WebCrypto; nothing here is hand-made crypto.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { SigningKeyRow, SigningKeyService } from "../services/signing-keys.ts";

export const SIGNING_ALGORITHM = "ES256";
/** How stale the cached key list may get before it is read again, and how often an unknown `kid` may trigger a read. */
export const KEY_RELOAD_INTERVAL_MS = 60_000;
/**
 * How long past the access-token lifetime a retired key stays published: covers the interval in
 * which other replicas may still sign with it before they reload (KEY_RELOAD_INTERVAL_MS) and
 * the verifiers' clock leeway.
 */
export const RETIRED_KEY_GRACE_SECONDS = 300;

const ENCRYPTION_VERSION = "v1";
const HKDF_SALT = "superset-signing-keys";
const IV_BYTES = 12;

export interface KeyRingOptions {
  services: { signingKeys: SigningKeyService };
  secretKey: string;
  /** MCP_OAUTH_ACCESS_TOKEN_TTL: how long after retirement a key's tokens may still be alive. */
  accessTokenTtlSeconds: number;
  now?: () => Date;
}

export interface KeyRing {
  /** The current signing key (the first one is created when there is none). */
  signingKey(): Promise<{ kid: string; key: CryptoKey }>;
  /** The published public keys: the current ones, and retired ones whose tokens may still be alive. */
  publicJwks(): Promise<{ keys: JWK[] }>;
  /** The public key of a published `kid`, or null; an unknown kid rereads the database at most once a minute. */
  verificationKey(kid: string): Promise<CryptoKey | null>;
  /** Makes a new current key and retires the others (they stay published until their tokens expire). */
  rotate(): Promise<{ kid: string }>;
}

/** A stored private key that SECRET_KEY does not decrypt: the message says what to do. */
export class SigningKeyDecryptionError extends Error {
  override name = "SigningKeyDecryptionError";
  constructor(kid: string, problem: string) {
    super(
      `The OAuth signing key "${kid}" ${problem}: the signing keys were encrypted with another SECRET_KEY. ` +
        `Set SECRET_KEY back to the value it had when the key was made, or run "superset keys rotate" to make a new signing key with the current SECRET_KEY (access tokens already issued stay valid until they expire).`,
    );
  }
}

/** When a retired key stops being published; null for a current key. */
export function publishedUntil(row: Pick<SigningKeyRow, "retiredAt">, accessTokenTtlSeconds: number): Date | null {
  if (!row.retiredAt) return null;
  return new Date(row.retiredAt.getTime() + (accessTokenTtlSeconds + RETIRED_KEY_GRACE_SECONDS) * 1000);
}

/** The AES-256-GCM key SECRET_KEY stands for: HKDF-SHA256 with this module's salt and version as info. */
async function deriveEncryptionKey(secretKey: string): Promise<CryptoKey> {
  const encoder = new TextEncoder();
  const material = await crypto.subtle.importKey("raw", encoder.encode(secretKey), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: encoder.encode(HKDF_SALT), info: encoder.encode(ENCRYPTION_VERSION) }, material, { name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
}

async function encryptJwk(encryptionKey: CryptoKey, jwk: JWK): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, encryptionKey, new TextEncoder().encode(JSON.stringify(jwk)));
  return `${ENCRYPTION_VERSION}.${Buffer.from(iv).toString("base64url")}.${Buffer.from(ciphertext).toString("base64url")}`;
}

async function decryptJwk(encryptionKey: CryptoKey, row: SigningKeyRow): Promise<JWK> {
  const [version, iv, ciphertext, ...rest] = row.privateKey.split(".");
  if (version !== ENCRYPTION_VERSION || !iv || !ciphertext || rest.length > 0)
    throw new SigningKeyDecryptionError(row.id, `is stored in a form this server does not read (expected "${ENCRYPTION_VERSION}.<iv>.<ciphertext>")`);
  let plaintext: ArrayBuffer;
  try {
    plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv: Buffer.from(iv, "base64url") }, encryptionKey, Buffer.from(ciphertext, "base64url"));
  } catch {
    // AES-GCM's tag check fails the same way for a wrong key and for altered bytes; a wrong SECRET_KEY is by far the likelier.
    throw new SigningKeyDecryptionError(row.id, "cannot be decrypted with SECRET_KEY");
  }
  return JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
}

async function importAsCryptoKey(jwk: JWK): Promise<CryptoKey> {
  const key = await importJWK(jwk, SIGNING_ALGORITHM);
  if (key instanceof Uint8Array) throw new Error(`Signing key ${jwk.kid ?? ""} is not an ${SIGNING_ALGORITHM} key.`);
  return key;
}

export function createKeyRing({ services, secretKey, accessTokenTtlSeconds, now = () => new Date() }: KeyRingOptions): KeyRing {
  if (!secretKey) throw new Error("The OAuth key ring needs SECRET_KEY to encrypt its signing keys.");
  const { signingKeys } = services;
  let encryptionKey: Promise<CryptoKey> | undefined;
  const encryption = () => (encryptionKey ??= deriveEncryptionKey(secretKey));

  let cached: { rows: SigningKeyRow[]; loadedAtMs: number } | undefined;
  let lastUnknownKidReloadMs = -Infinity;
  let creatingFirstKey: Promise<unknown> | undefined;
  const privateKeys = new Map<string, Promise<CryptoKey>>();
  const publicKeys = new Map<string, Promise<CryptoKey>>();

  async function reload(): Promise<SigningKeyRow[]> {
    const rows = await signingKeys.list();
    cached = { rows, loadedAtMs: now().getTime() };
    return rows;
  }

  async function currentRows(): Promise<SigningKeyRow[]> {
    if (cached && now().getTime() - cached.loadedAtMs < KEY_RELOAD_INTERVAL_MS) return cached.rows;
    return reload();
  }

  const isPublished = (row: SigningKeyRow): boolean => {
    const until = publishedUntil(row, accessTokenTtlSeconds);
    return until === null || until.getTime() > now().getTime();
  };

  // Rows are listed newest first: the first one not retired is current (two replicas that
  // created a first key at once both publish theirs, and sign with the same newer one).
  const currentOf = (rows: SigningKeyRow[]): SigningKeyRow | undefined => rows.find((row) => row.retiredAt === null);

  /** Generates a key pair and stores it; returns its kid. */
  async function addKey(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const published: JWK = { ...publicJwk, kid, alg: SIGNING_ALGORITHM, use: "sig" };
    const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM };
    await signingKeys.add({ id: kid, algorithm: SIGNING_ALGORITHM, publicJwk: JSON.stringify(published), privateKey: await encryptJwk(await encryption(), privateJwk), createdAt: now() });
    return kid;
  }

  return {
    async signingKey() {
      let current = currentOf(await currentRows());
      if (!current) {
        creatingFirstKey ??= addKey().finally(() => (creatingFirstKey = undefined));
        await creatingFirstKey;
        current = currentOf(await reload())!;
      }
      const row = current;
      let key = privateKeys.get(row.id);
      if (!key) {
        key = decryptJwk(await encryption(), row).then(importAsCryptoKey);
        privateKeys.set(row.id, key);
        // A failure is not cached: SECRET_KEY cannot change under a running process, but the row can (a rotation).
        key.catch(() => privateKeys.delete(row.id));
      }
      return { kid: row.id, key: await key };
    },

    async publicJwks() {
      const rows = await currentRows();
      return { keys: rows.filter(isPublished).map((row) => JSON.parse(row.publicJwk) as JWK) };
    },

    async verificationKey(kid) {
      let row = (await currentRows()).find((candidate) => candidate.id === kid);
      if (!row && now().getTime() - lastUnknownKidReloadMs >= KEY_RELOAD_INTERVAL_MS) {
        // A key another replica (or `superset keys rotate`) made since the last read.
        lastUnknownKidReloadMs = now().getTime();
        row = (await reload()).find((candidate) => candidate.id === kid);
      }
      if (!row || !isPublished(row)) return null;
      let key = publicKeys.get(kid);
      if (!key) {
        key = importAsCryptoKey(JSON.parse(row.publicJwk) as JWK);
        publicKeys.set(kid, key);
      }
      return key;
    },

    async rotate() {
      // The new key is stored before the others are retired, so there is never a moment without a current key.
      const kid = await addKey();
      await signingKeys.retireCurrent(now(), { except: kid });
      await reload();
      return { kid };
    },
  };
}
