/**
 * The keys of `MCP_JWKS_URI` (docs/authentication.md#external-jwts): fetched on first use, looked up by `kid`,
 * fetched again on an unknown `kid` at most once per minute, refreshed in the background after
 * ten minutes, and kept when the endpoint is down or answers garbage, so a known key keeps
 * verifying through an outage while an unknown one fails closed.
 *
 * jose's own remote key set re-fetches on every request once its cache is stale and drops nothing
 * of the sort, so this wraps jose's local key set (which does the key selection) with that policy.
 */
import { createLocalJWKSet, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from "jose";
import { log } from "../log.ts";

/** At most one fetch per this interval, whatever asks for it: attackers with made-up `kid`s cannot make us hammer the endpoint. */
export const JWKS_MIN_FETCH_INTERVAL_MS = 60_000;
/** Known keys older than this are refreshed in the background (a removed key stops verifying). */
export const JWKS_REFRESH_AFTER_MS = 10 * 60_000;
const JWKS_FETCH_TIMEOUT_MS = 5_000;
const JWKS_MAX_BYTES = 512 * 1024;

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/** The JWKS endpoint has never answered with usable keys. */
export class JwksUnavailableError extends Error {
  override name = "JwksUnavailableError";
}

export class JwksCache {
  #keys: LocalKeySet | null = null;
  #fetchedAtMs = Number.NEGATIVE_INFINITY;
  #attemptedAtMs = Number.NEGATIVE_INFINITY;
  #lastFailure = "";
  #pending: Promise<boolean> | null = null;

  constructor(
    readonly uri: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A jose key resolver: the key the token's header names. */
  readonly resolve = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (!this.#keys) await this.#fetchIfAllowed();
    else if (this.now() - this.#fetchedAtMs > JWKS_REFRESH_AFTER_MS) void this.#fetchIfAllowed();
    const keys = this.#keys;
    if (!keys) throw new JwksUnavailableError(`no keys from ${this.uri} yet (${this.#lastFailure || "not fetched"})`);
    try {
      return await keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || !(await this.#fetchIfAllowed())) throw error;
      return this.#keys!(header, token);
    }
  };

  /** Fetches unless one was attempted within the interval; true when new keys arrived. Concurrent callers share one fetch. */
  #fetchIfAllowed(): Promise<boolean> {
    if (this.#pending) return this.#pending;
    if (this.now() - this.#attemptedAtMs < JWKS_MIN_FETCH_INTERVAL_MS) return Promise.resolve(false);
    this.#attemptedAtMs = this.now();
    this.#pending = this.#fetch()
      .then((keys) => {
        this.#keys = keys;
        this.#fetchedAtMs = this.now();
        return true;
      })
      .catch((error: unknown) => {
        this.#lastFailure = error instanceof Error ? error.message : String(error);
        log.warn("JWKS fetch failed; keeping the last good keys", { uri: this.uri, reason: this.#lastFailure, haveKeys: this.#keys !== null });
        return false;
      })
      .finally(() => {
        this.#pending = null;
      });
    return this.#pending;
  }

  async #fetch(): Promise<LocalKeySet> {
    const response = await fetch(this.uri, {
      redirect: "manual",
      signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
      headers: { Accept: "application/jwk-set+json, application/json" },
    });
    if (response.status !== 200) throw new Error(`the endpoint answered HTTP ${response.status}`);
    const body = await response.text();
    if (body.length > JWKS_MAX_BYTES) throw new Error(`the answer is over ${JWKS_MAX_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new Error("the answer is not JSON");
    }
    // createLocalJWKSet refuses anything that is not a key set ({"keys": [...]}).
    return createLocalJWKSet(json as JSONWebKeySet);
  }
}
