/**
 * Verifies JWTs with jose (docs/authentication.md#external-jwts: a JWKS, a PEM key or a shared secret): one pinned
 * algorithm, a key from a JWKS URI, a PEM public key or a shared secret, `exp` required, `nbf`
 * and `iat` checked with leeway, `iss` and `aud` when configured, required scopes. The same class
 * is handed to `MCP_AUTH_FACTORY` as `ctx.JWTVerifier`.
 */
import { errors, importSPKI, importX509, jwtVerify, type CryptoKey, type JWTVerifyGetKey } from "jose";
import type { JWTVerifierOptions, JwtAlgorithm } from "../config/schema.ts";
import { scopesFromClaims, type TokenClaims } from "./claims.ts";
import { JwksCache } from "./jwks.ts";
import { InsufficientScopeError, TokenRejectedError } from "./errors.ts";

export const DEFAULT_LEEWAY_SECONDS = 30;

export interface VerifierSettings extends JWTVerifierOptions {
  leewaySeconds?: number;
}

const asList = (value: string | string[] | undefined) => (value === undefined || (Array.isArray(value) && value.length === 0) ? undefined : value);

export class JWTVerifier {
  readonly algorithm: JwtAlgorithm;
  readonly #settings: VerifierSettings;
  readonly #key: Promise<CryptoKey | Uint8Array> | JWTVerifyGetKey;

  constructor(settings: VerifierSettings) {
    const sources = [settings.jwksUri, settings.publicKey, settings.secret].filter(Boolean).length;
    if (sources !== 1) throw new TypeError("JWTVerifier needs exactly one of jwksUri, publicKey or secret.");
    this.algorithm = settings.algorithm ?? (settings.secret ? "HS256" : "RS256");
    const isHmac = this.algorithm.startsWith("HS");
    if (isHmac !== Boolean(settings.secret)) {
      throw new TypeError(`JWTVerifier: ${this.algorithm} ${isHmac ? "verifies with a secret" : "verifies with a public key or a JWKS URI, not a secret"}.`);
    }
    this.#settings = settings;
    if (settings.secret) this.#key = Promise.resolve(new TextEncoder().encode(settings.secret));
    else if (settings.publicKey) this.#key = importPublicKey(settings.publicKey, this.algorithm);
    else this.#key = new JwksCache(settings.jwksUri!).resolve;
    // A key that fails to import surfaces on each verify; keep the rejection from going unhandled meanwhile.
    if (this.#key instanceof Promise) this.#key.catch(() => undefined);
  }

  /** The token's claims when it verifies; throws TokenRejectedError (or InsufficientScopeError) otherwise. */
  async verify(token: string): Promise<TokenClaims> {
    const settings = this.#settings;
    const leeway = settings.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
    const options = {
      algorithms: [this.algorithm],
      issuer: asList(settings.issuer),
      audience: asList(settings.audience),
      clockTolerance: leeway,
      requiredClaims: ["exp"],
    };
    let payload: TokenClaims;
    try {
      const key = this.#key;
      const verified = typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, await key, options);
      payload = verified.payload as TokenClaims;
    } catch (error) {
      throw new TokenRejectedError(describeJoseFailure(error));
    }
    // jose checks `iat` only against a maximum age; a token issued in the future is refused here.
    if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + leeway) throw new TokenRejectedError('"iat" is in the future');
    const missing = (settings.requiredScopes ?? []).filter((scope) => !scopesFromClaims(payload).includes(scope));
    if (missing.length) throw new InsufficientScopeError(missing);
    return payload;
  }
}

async function importPublicKey(pem: string, algorithm: JwtAlgorithm): Promise<CryptoKey> {
  const text = pem.trim();
  return text.includes("BEGIN CERTIFICATE") ? importX509(text, algorithm) : importSPKI(text, algorithm);
}

/** A log line's worth of why jose refused the token. */
function describeJoseFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return `expired (${error.claim} claim)`;
  if (error instanceof errors.JWTClaimValidationFailed) return `claim "${error.claim}" failed: ${error.reason} (${error.message})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return `algorithm not allowed: ${error.message}`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad signature";
  if (error instanceof errors.JWKSNoMatchingKey) return "no key in the JWKS matches the token's kid";
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
