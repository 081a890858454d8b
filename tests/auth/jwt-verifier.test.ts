/** The JWT verifier: the three key sources of docs/authentication.md#external-jwts (JWKS, PEM, shared secret), and the tokens it must refuse. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exportSPKI, generateKeyPair, SignJWT, base64url } from "jose";
import { InsufficientScopeError, TokenRejectedError } from "../../src/auth/errors.ts";
import { JWTVerifier } from "../../src/auth/jwt-verifier.ts";
import { configureLog } from "../../src/log.ts";
import { createSigningKey, signToken, startIdentityProvider, type IdentityProvider, type SigningKey } from "../helpers/identity-provider.ts";

const SECRET = "a-shared-secret-of-at-least-32-bytes!!";
const ISSUER = "https://idp.example/";
const AUDIENCE = "superset-mcp";

let rsa: SigningKey;
let idp: IdentityProvider;

beforeAll(async () => {
  configureLog({ write: () => {} });
  rsa = await createSigningKey("RS256");
  idp = startIdentityProvider([rsa]);
});
afterAll(() => idp.stop());

const now = () => Math.floor(Date.now() / 1000);
const rejected = (promise: Promise<unknown>) => expect(promise).rejects.toBeInstanceOf(TokenRejectedError);

describe("the three key sources (JWKS, PEM, shared secret)", () => {
  test("A: RS256 with a JWKS URI", async () => {
    const verifier = new JWTVerifier({ jwksUri: idp.jwksUri, issuer: ISSUER, audience: AUDIENCE });
    const claims = await verifier.verify(await signToken({ sub: "ada", iss: ISSUER, aud: AUDIENCE }, rsa));
    expect(claims.sub).toBe("ada");
  });

  test("B: RS256 with a PEM public key", async () => {
    const verifier = new JWTVerifier({ publicKey: rsa.publicPem });
    expect((await verifier.verify(await signToken({ sub: "ada" }, rsa))).sub).toBe("ada");
  });

  test("C: HS256 with a shared secret", async () => {
    const verifier = new JWTVerifier({ secret: SECRET, algorithm: "HS256" });
    expect(await verifier.verify(await signToken({ sub: "ada" }, { secret: SECRET }))).toMatchObject({ sub: "ada" });
  });

  for (const algorithm of ["RS512", "PS256", "ES256", "ES384", "EdDSA"] as const) {
    test(`${algorithm} with a PEM public key`, async () => {
      const key = await createSigningKey(algorithm);
      const verifier = new JWTVerifier({ publicKey: key.publicPem, algorithm });
      expect((await verifier.verify(await signToken({ sub: "ada" }, key))).sub).toBe("ada");
    });
  }

  test("a verifier needs exactly one key source, matching its algorithm", () => {
    expect(() => new JWTVerifier({})).toThrow(/exactly one/);
    expect(() => new JWTVerifier({ secret: SECRET, publicKey: rsa.publicPem })).toThrow(/exactly one/);
    expect(() => new JWTVerifier({ secret: SECRET, algorithm: "RS256" })).toThrow(/not a secret/);
    expect(() => new JWTVerifier({ publicKey: rsa.publicPem, algorithm: "HS256" })).toThrow(/secret/);
  });
});

describe("tokens that are refused", () => {
  const pem = () => new JWTVerifier({ publicKey: rsa.publicPem, issuer: ISSUER, audience: AUDIENCE });
  const good = { sub: "ada", iss: ISSUER, aud: AUDIENCE };

  test("alg: none", async () => {
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
    const payload = base64url.encode(JSON.stringify({ ...good, exp: now() + 600 }));
    await rejected(pem().verify(`${header}.${payload}.`));
  });

  test("HS256 signed with the RS256 public key's PEM as the secret (algorithm confusion)", async () => {
    const forged = await new SignJWT({ ...good, exp: now() + 600 }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(rsa.publicPem));
    await rejected(pem().verify(forged));
  });

  test("a different algorithm than the pinned one, even with a valid signature", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS384", { extractable: true });
    const verifier = new JWTVerifier({ publicKey: await exportSPKI(publicKey), algorithm: "RS256" });
    const token = await new SignJWT({ sub: "ada", exp: now() + 600 }).setProtectedHeader({ alg: "RS384" }).sign(privateKey);
    await rejected(verifier.verify(token));
  });

  test("expired, and expired within the leeway accepted", async () => {
    await rejected(pem().verify(await signToken({ ...good, exp: now() - 120 }, rsa)));
    expect((await pem().verify(await signToken({ ...good, exp: now() - 10 }, rsa))).sub).toBe("ada");
  });

  test("nbf or iat in the future beyond the leeway", async () => {
    await rejected(pem().verify(await signToken({ ...good, nbf: now() + 300 }, rsa)));
    await rejected(pem().verify(await signToken({ ...good, iat: now() + 300 }, rsa)));
    expect((await pem().verify(await signToken({ ...good, nbf: now() + 10, iat: now() + 10 }, rsa))).sub).toBe("ada");
  });

  test("no exp", async () => {
    await rejected(pem().verify(await signToken(good, rsa, { expiresIn: null })));
  });

  test("wrong iss, wrong aud, missing either", async () => {
    await rejected(pem().verify(await signToken({ ...good, iss: "https://evil.example/" }, rsa)));
    await rejected(pem().verify(await signToken({ ...good, aud: "another-service" }, rsa)));
    await rejected(pem().verify(await signToken({ sub: "ada", aud: AUDIENCE }, rsa)));
    await rejected(pem().verify(await signToken({ sub: "ada", iss: ISSUER }, rsa)));
  });

  test("tampered payload", async () => {
    const [header, , signature] = (await signToken(good, rsa)).split(".");
    const payload = base64url.encode(JSON.stringify({ ...good, sub: "root", exp: now() + 600 }));
    await rejected(pem().verify(`${header}.${payload}.${signature}`));
  });

  test("signed by another key", async () => {
    await rejected(pem().verify(await signToken(good, await createSigningKey())));
  });

  test("garbage", async () => {
    for (const token of ["garbage", "a.b.c", "", "..", "eyJhbGciOiJSUzI1NiJ9.e30.AAAA"]) await rejected(pem().verify(token));
  });

  test("an unknown kid against the JWKS", async () => {
    const verifier = new JWTVerifier({ jwksUri: idp.jwksUri });
    await rejected(verifier.verify(await signToken({ sub: "ada" }, await createSigningKey())));
  });
});

describe("issuer and audience lists, scopes", () => {
  test("iss and aud may each be a list; a token aud list needs one match", async () => {
    const verifier = new JWTVerifier({ publicKey: rsa.publicPem, issuer: ["https://a.example/", ISSUER], audience: ["x", AUDIENCE] });
    expect((await verifier.verify(await signToken({ sub: "ada", iss: ISSUER, aud: ["other", AUDIENCE] }, rsa))).sub).toBe("ada");
    await rejected(verifier.verify(await signToken({ sub: "ada", iss: ISSUER, aud: ["other"] }, rsa)));
  });

  test("requiredScopes: all of them, from scope or scp, else InsufficientScopeError naming the missing ones", async () => {
    const verifier = new JWTVerifier({ publicKey: rsa.publicPem, requiredScopes: ["mcp:read", "mcp:write"] });
    expect((await verifier.verify(await signToken({ sub: "ada", scope: "mcp:read mcp:write" }, rsa))).sub).toBe("ada");
    expect((await verifier.verify(await signToken({ sub: "ada", scp: ["mcp:write", "mcp:read"] }, rsa))).sub).toBe("ada");
    const error = await verifier.verify(await signToken({ sub: "ada", scope: "mcp:read" }, rsa)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientScopeError);
    expect((error as InsufficientScopeError).scopes).toEqual(["mcp:write"]);
  });
});
