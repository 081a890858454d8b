/**
 * The signing-key ring: the first key appears on first use, tokens it signs verify with jose,
 * a rotation keeps the previous key published until its tokens expire, the private key is
 * stored encrypted (the design's format, checked by decrypting it here), and a wrong
 * SECRET_KEY is an error that says what to do.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type JWK } from "jose";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { createKeyRing, KEY_RELOAD_INTERVAL_MS, publishedUntil, RETIRED_KEY_GRACE_SECONDS, SigningKeyDecryptionError } from "../../src/oauth/key-ring.ts";
import { createServices, type Services } from "../../src/services/index.ts";

const SECRET_KEY = "a-test-secret-key-of-reasonable-length-0123456789";
const TTL_SECONDS = 3600;

let db: Database;

beforeEach(async () => {
  db = openDatabase("sqlite://:memory:");
  await db.migrate();
});
afterEach(async () => {
  await db.close();
});

/** A ring over the test's database on a clock the test moves, with its services. */
function ringAt(start = "2032-05-01T00:00:00.000Z", secretKey = SECRET_KEY) {
  let current = new Date(start).getTime();
  const now = () => new Date(current);
  const services: Services = createServices(db, now);
  const ring = createKeyRing({ services, secretKey, accessTokenTtlSeconds: TTL_SECONDS, now });
  return { ring, services, advance: (ms: number) => void (current += ms), now };
}

async function sign(ring: ReturnType<typeof ringAt>["ring"], now: () => Date): Promise<string> {
  const { kid, key } = await ring.signingKey();
  const issuedAt = Math.floor(now().getTime() / 1000);
  return new SignJWT({ scope: "mcp:read" })
    .setProtectedHeader({ alg: "ES256", kid })
    .setIssuer("https://mcp.example.test")
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + TTL_SECONDS)
    .sign(key);
}

async function verify(ring: ReturnType<typeof ringAt>["ring"], token: string, now: () => Date) {
  const { kid } = decodeProtectedHeader(token);
  const key = await ring.verificationKey(kid!);
  if (!key) return null;
  return (await jwtVerify(token, key, { algorithms: ["ES256"], issuer: "https://mcp.example.test", currentDate: now() })).payload;
}

describe("key ring", () => {
  test("the first key is created on first use and reused after; tokens it signs verify, with jose and with the published JWKS", async () => {
    const { ring, services, now } = ringAt();
    expect(await services.signingKeys.list()).toEqual([]);
    const first = await ring.signingKey();
    expect(first.key.algorithm).toMatchObject({ name: "ECDSA", namedCurve: "P-256" });
    expect(first.key.type).toBe("private");
    const rows = await services.signingKeys.list();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first.kid, algorithm: "ES256", retiredAt: null });
    expect((await ring.signingKey()).kid).toBe(first.kid);
    // A second ring (another replica) uses the same key instead of making one.
    expect((await ringAt().ring.signingKey()).kid).toBe(first.kid);

    const token = await sign(ring, now);
    expect(await verify(ring, token, now)).toMatchObject({ scope: "mcp:read", iss: "https://mcp.example.test" });
    const { keys } = await ring.publicJwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "EC", crv: "P-256", kid: first.kid, alg: "ES256", use: "sig" });
    expect(keys[0]).not.toHaveProperty("d");
    expect((await jwtVerify(token, createLocalJWKSet({ keys }), { currentDate: now() })).payload.scope).toBe("mcp:read");
    expect(await ring.verificationKey("unknown-kid")).toBeNull();
  });

  test("concurrent first uses make one key", async () => {
    const { ring, services } = ringAt();
    const kids = await Promise.all(Array.from({ length: 5 }, async () => (await ring.signingKey()).kid));
    expect(new Set(kids).size).toBe(1);
    expect(await services.signingKeys.list()).toHaveLength(1);
  });

  test("rotate: the new key signs; the old one stays published until its tokens can have expired, then is dropped", async () => {
    const { ring, services, advance, now } = ringAt();
    const old = await ring.signingKey();
    const oldToken = await sign(ring, now);
    advance(10_000);
    const rotated = await ring.rotate();
    expect(rotated.kid).not.toBe(old.kid);
    expect((await ring.signingKey()).kid).toBe(rotated.kid);
    const rows = await services.signingKeys.list();
    expect(rows.map((row) => [row.id, row.retiredAt?.toISOString() ?? null])).toEqual([
      [rotated.kid, null],
      [old.kid, "2032-05-01T00:00:10.000Z"],
    ]);
    expect(publishedUntil(rows[1]!, TTL_SECONDS)!.toISOString()).toBe(new Date(Date.parse("2032-05-01T00:00:10.000Z") + (TTL_SECONDS + RETIRED_KEY_GRACE_SECONDS) * 1000).toISOString());

    const newToken = await sign(ring, now);
    expect((await ring.publicJwks()).keys.map((key) => key.kid)).toEqual([rotated.kid, old.kid]);
    expect(await verify(ring, oldToken, now)).not.toBeNull();
    expect(await verify(ring, newToken, now)).not.toBeNull();

    advance((TTL_SECONDS + RETIRED_KEY_GRACE_SECONDS) * 1000 - 1);
    expect((await ring.publicJwks()).keys.map((key) => key.kid)).toEqual([rotated.kid, old.kid]);
    expect(await ring.verificationKey(old.kid)).not.toBeNull();
    advance(1);
    expect((await ring.publicJwks()).keys.map((key) => key.kid)).toEqual([rotated.kid]);
    expect(await ring.verificationKey(old.kid)).toBeNull();
    expect(await ring.verificationKey(rotated.kid)).not.toBeNull();
  });

  test("a key another replica made is found: on an unknown kid at once, at most once a minute", async () => {
    const replica = ringAt();
    const other = ringAt();
    const first = await replica.ring.signingKey();
    await other.ring.publicJwks();
    const rotated = await replica.ring.rotate();
    // The other replica signs with its cached current key until its list is a minute old…
    expect((await other.ring.signingKey()).kid).toBe(first.kid);
    other.advance(KEY_RELOAD_INTERVAL_MS);
    expect((await other.ring.signingKey()).kid).toBe(rotated.kid);
    const second = await replica.ring.rotate();
    // …but reads again at once on a kid it does not know.
    expect(await other.ring.verificationKey(second.kid)).not.toBeNull();
    expect((await other.ring.signingKey()).kid).toBe(second.kid);

    const third = await replica.ring.rotate();
    other.advance(1);
    expect(await other.ring.verificationKey("bogus")).toBeNull();
    // The unknown-kid reload was spent on "bogus"; the next one is allowed a minute later.
    expect(await other.ring.verificationKey(third.kid)).toBeNull();
    other.advance(KEY_RELOAD_INTERVAL_MS);
    expect(await other.ring.verificationKey(third.kid)).not.toBeNull();
  });

  test("the private key is stored encrypted, in the design's format, under an HKDF key of SECRET_KEY", async () => {
    const { ring, services } = ringAt();
    const { kid } = await ring.signingKey();
    const [row] = await services.signingKeys.list();
    expect(row!.privateKey).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(row!.privateKey).not.toContain('"d"');
    expect(JSON.parse(row!.publicJwk)).not.toHaveProperty("d");

    const encoder = new TextEncoder();
    const material = await crypto.subtle.importKey("raw", encoder.encode(SECRET_KEY), "HKDF", false, ["deriveKey"]);
    const aesKey = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: encoder.encode("superset-signing-keys"), info: encoder.encode("v1") },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["decrypt"],
    );
    const [, iv, ciphertext] = row!.privateKey.split(".");
    const privateJwk = JSON.parse(new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv: Buffer.from(iv!, "base64url") }, aesKey, Buffer.from(ciphertext!, "base64url")))) as JWK;
    expect(privateJwk).toMatchObject({ kty: "EC", crv: "P-256", kid });
    expect(privateJwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(row)).not.toContain(privateJwk.d!);
  });

  test("a wrong SECRET_KEY is an error that names SECRET_KEY and `superset keys rotate`; verification and rotation still work", async () => {
    const { ring, now } = ringAt();
    const token = await sign(ring, now);
    const wrong = ringAt("2032-05-01T00:00:00.000Z", "another-secret-key-of-reasonable-length-9876543210");
    const error = await wrong.ring.signingKey().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(SigningKeyDecryptionError);
    expect((error as Error).message).toContain("encrypted with another SECRET_KEY");
    expect((error as Error).message).toContain('"superset keys rotate"');
    // Public keys need no secret: tokens already issued still verify.
    expect(await verify(wrong.ring, token, wrong.now)).not.toBeNull();
    const { kid } = await wrong.ring.rotate();
    expect((await wrong.ring.signingKey()).kid).toBe(kid);
    expect(await verify(wrong.ring, token, wrong.now)).not.toBeNull();
  });

  test("a stored key in an unknown form is the same kind of error", async () => {
    const { services, ring } = ringAt();
    await services.signingKeys.add({ id: "odd", algorithm: "ES256", publicJwk: "{}", privateKey: "plain-text-jwk" });
    await expect(ring.signingKey()).rejects.toThrow(/"odd" is stored in a form this server does not read.*another SECRET_KEY/);
  });

  test("an empty SECRET_KEY is refused", () => {
    expect(() => createKeyRing({ services: createServices(db), secretKey: "", accessTokenTtlSeconds: TTL_SECONDS })).toThrow(/SECRET_KEY/);
  });
});
