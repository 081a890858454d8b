/**
 * Start-up checks decidable from the configuration alone (docs/configuration.md#start-up-checks).
 * Checks that need the database or the tool list (dev user present, MCP_DISABLED_TOOLS names)
 * belong to the server start.
 */
import { importSPKI, importX509 } from "jose";
import { publicBaseUrl } from "./load.ts";
import type { ResolvedConfig } from "./schema.ts";

const MIN_HMAC_SECRET_BYTES = 32;
const MIN_METRICS_TOKEN_CHARACTERS = 32;
const GENERATE_SECRET = "generate one with `openssl rand -base64 48`";

/** True for HS256/384/512, the algorithms that verify with a shared secret. */
export function isHmacAlgorithm(algorithm: string): boolean {
  return algorithm.startsWith("HS");
}

/** True when external JWTs can be verified (a JWKS URI, a public key or a secret is set). */
export function hasExternalJwtKey(config: ResolvedConfig): boolean {
  return Boolean(config.MCP_JWKS_URI || config.MCP_JWT_PUBLIC_KEY || config.MCP_JWT_SECRET);
}

/** One sentence per refusal: the key at fault and what to do. An empty list means the server may start. */
export async function startupProblems(config: ResolvedConfig): Promise<string[]> {
  const problems: string[] = [];
  const algorithm = config.MCP_JWT_ALGORITHM;
  const authOn = config.MCP_AUTH_ENABLED;

  if (!authOn && !config.MCP_DEV_USERNAME) {
    problems.push("MCP_DEV_USERNAME is not set while MCP_AUTH_ENABLED is false: set MCP_DEV_USERNAME to the user that requests without a credential run as, or set MCP_AUTH_ENABLED to true.");
  }
  if (authOn && config.MCP_DEV_USERNAME) {
    problems.push(
      `MCP_DEV_USERNAME is set ("${config.MCP_DEV_USERNAME}") while MCP_AUTH_ENABLED is true: remove MCP_DEV_USERNAME, since a dev user must never serve a deployment that requires authentication.`,
    );
  }
  if (authOn && !config.SECRET_KEY) {
    problems.push(`SECRET_KEY is not set while MCP_AUTH_ENABLED is true: set SECRET_KEY to a long random string (${GENERATE_SECRET}); it is generated only in dev mode.`);
  }

  if (isHmacAlgorithm(algorithm)) {
    for (const key of ["MCP_JWT_PUBLIC_KEY", "MCP_JWKS_URI"] as const) {
      if (config[key])
        problems.push(
          `${key} is set but MCP_JWT_ALGORITHM is ${algorithm}, which verifies with MCP_JWT_SECRET only: remove ${key}, or set MCP_JWT_ALGORITHM to an asymmetric algorithm such as RS256.`,
        );
    }
    const secret = config.MCP_JWT_SECRET;
    if (secret) {
      const bytes = new TextEncoder().encode(secret).length;
      if (bytes < MIN_HMAC_SECRET_BYTES) problems.push(`MCP_JWT_SECRET is ${bytes} bytes long but ${algorithm} needs at least ${MIN_HMAC_SECRET_BYTES}: ${GENERATE_SECRET}.`);
    } else if (authOn && !config.MCP_AUTH_FACTORY) {
      problems.push(
        `MCP_JWT_SECRET is not set but MCP_JWT_ALGORITHM is ${algorithm}: set MCP_JWT_SECRET to the shared secret (at least ${MIN_HMAC_SECRET_BYTES} bytes), or choose an asymmetric algorithm with MCP_JWT_PUBLIC_KEY or MCP_JWKS_URI.`,
      );
    }
  } else {
    if (config.MCP_JWT_SECRET) {
      problems.push(
        `MCP_JWT_SECRET is set but MCP_JWT_ALGORITHM is ${algorithm}, which verifies with a public key: set MCP_JWT_ALGORITHM to HS256, HS384 or HS512, or replace MCP_JWT_SECRET by MCP_JWT_PUBLIC_KEY or MCP_JWKS_URI.`,
      );
    }
    if (config.MCP_JWT_PUBLIC_KEY && config.MCP_JWKS_URI) {
      problems.push("MCP_JWT_PUBLIC_KEY and MCP_JWKS_URI are both set: keep one key source, MCP_JWKS_URI if your identity provider rotates keys, else MCP_JWT_PUBLIC_KEY.");
    }
    if (config.MCP_JWKS_URI) {
      const problem = jwksUriProblem(config.MCP_JWKS_URI);
      if (problem) problems.push(problem);
    }
    if (config.MCP_JWT_PUBLIC_KEY) {
      const pemProblem = await publicKeyProblem(config.MCP_JWT_PUBLIC_KEY, algorithm);
      if (pemProblem) problems.push(pemProblem);
    }
    // RS256 is the default even when no external JWT is wanted; with the built-in OAuth server or
    // API keys there is still a way in, so only a deployment that could accept nothing is refused.
    const anyCredential = hasExternalJwtKey(config) || config.MCP_AUTH_FACTORY || config.MCP_OAUTH_ENABLED || config.MCP_API_KEYS_ENABLED;
    // Issuer or audience settings with nothing to verify signatures with mean the operator expects JWTs that would all be refused.
    const jwtSettings = (["MCP_JWT_ISSUER", "MCP_JWT_AUDIENCE"] as const).filter((key) => config[key]);
    if (jwtSettings.length && !hasExternalJwtKey(config) && !config.MCP_AUTH_FACTORY) {
      problems.push(
        `${jwtSettings.join(" and ")} ${jwtSettings.length > 1 ? "are" : "is"} set but MCP_JWT_ALGORITHM ${algorithm} has no key source: set MCP_JWKS_URI or MCP_JWT_PUBLIC_KEY so external JWTs can be verified.`,
      );
    }
    if (authOn && !anyCredential) {
      problems.push(
        `MCP_AUTH_ENABLED is true but no credential can be verified: set MCP_JWKS_URI or MCP_JWT_PUBLIC_KEY for ${algorithm} tokens, set MCP_AUTH_FACTORY, or turn on MCP_OAUTH_ENABLED or MCP_API_KEYS_ENABLED.`,
      );
    }
  }

  if (config.MCP_STORE_CONFIG.enabled && !config.MCP_STORE_CONFIG.CACHE_REDIS_URL) {
    problems.push("MCP_STORE_CONFIG.enabled is true but MCP_STORE_CONFIG.CACHE_REDIS_URL is not set: set it to a redis:// or rediss:// URL, or set enabled to false.");
  }
  const metricsTokenProblem = metricsTokenProblemOf(config.MCP_METRICS_TOKEN);
  if (metricsTokenProblem) problems.push(metricsTokenProblem);
  return problems;
}

/** True when a deployment relies on bearer JWTs of another issuer (auth on, a key source, no MCP_AUTH_FACTORY replacing the verifier). */
export function usesExternalJwts(config: ResolvedConfig): boolean {
  return config.MCP_AUTH_ENABLED && hasExternalJwtKey(config) && !config.MCP_AUTH_FACTORY;
}

/** Shorter tokens can be guessed; other characters cannot travel in `Authorization: Bearer`, or are a pasting mistake. */
function metricsTokenProblemOf(token: string | null): string | null {
  if (token === null) return null;
  if (!/^[\x21-\x7e]+$/.test(token))
    return "MCP_METRICS_TOKEN holds spaces or characters other than printable ASCII, so Prometheus could not send it as a bearer token: generate one with `openssl rand -hex 32`.";
  if (token.length < MIN_METRICS_TOKEN_CHARACTERS)
    return `MCP_METRICS_TOKEN is ${token.length} characters long but needs at least ${MIN_METRICS_TOKEN_CHARACTERS}: generate one with \`openssl rand -hex 32\`.`;
  return null;
}

/** Settings that are allowed but weaken verification, break links or do nothing; logged at start, shown by `config check`. */
export function startupWarnings(config: ResolvedConfig): string[] {
  const warnings: string[] = [];
  if (config.MCP_METRICS_TOKEN && !config.MCP_METRICS_ENABLED)
    warnings.push("MCP_METRICS_TOKEN is set but MCP_METRICS_ENABLED is false: /metrics is off; set MCP_METRICS_ENABLED to true to serve it.");
  if (!config.MCP_AUTH_ENABLED) return warnings;
  const publicUrlWarning = publicUrlProblem(publicBaseUrl(config));
  if (publicUrlWarning) warnings.push(publicUrlWarning);
  if (!hasExternalJwtKey(config)) return warnings;
  if (!config.MCP_JWT_ISSUER) warnings.push("MCP_JWT_ISSUER is not set: external JWTs are accepted from any issuer holding the key; set it to your identity provider's issuer.");
  // MCP_JWT_AUDIENCE unset no longer weakens verification (the resource URI is required instead); src/auth/audience.ts words that notice.
  return warnings;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const isLoopbackHost = (hostname: string) => LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);

/**
 * Why a public URL will not serve users of an authenticated deployment, or null. Sign-in links,
 * OAuth redirects, the issuer and the resource metadata are all built from it, so a bind address
 * or loopback there sends every client to the wrong place, and plain http carries passwords and
 * tokens in the clear.
 */
function publicUrlProblem(publicUrl: string): string | null {
  const url = new URL(publicUrl);
  const source = `The public URL ${publicUrl} (MCP_SERVICE_URL, or http://MCP_SERVICE_HOST:MCP_SERVICE_PORT when unset)`;
  const fix = "set MCP_SERVICE_URL to the https:// address users reach the server at, e.g. https://mcp.example.com";
  if (url.hostname === "0.0.0.0" || url.hostname === "[::]")
    return `${source} names ${url.hostname}, an address to listen on that no client can reach: sign-in links and OAuth metadata would point nowhere; ${fix}.`;
  if (isLoopbackHost(url.hostname)) return `${source} is a loopback address while MCP_AUTH_ENABLED is true: only this machine can follow its sign-in links and OAuth metadata; ${fix}.`;
  if (url.protocol === "http:")
    return `${source} uses plain http:// on a host that is not loopback: passwords, session cookies and tokens would cross the network in the clear; terminate TLS (at the reverse proxy) and ${fix}.`;
  return null;
}

/** Keys fetched over plain HTTP from another machine could be swapped on the way; only https or a loopback host will do. */
function jwksUriProblem(uri: string): string | null {
  if (!URL.canParse(uri)) return `MCP_JWKS_URI "${uri}" is not a URL: give the https:// address of your identity provider's JWKS.`;
  const url = new URL(uri);
  if (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))) return null;
  return `MCP_JWKS_URI "${uri}" must use https:// (plain http:// only for a loopback host), since keys fetched in the clear can be replaced by anyone on the path.`;
}

/** Why a PEM public key cannot be used with `algorithm`, naming the missing marker lines; null when it imports. */
async function publicKeyProblem(pem: string, algorithm: string): Promise<string | null> {
  const text = pem.trim();
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  const hint = !text.includes("\n") && text.includes("\\n") ? " If the key comes from an environment variable, use real line breaks instead of \\n." : "";
  if (!label) {
    const end = /-----END ([A-Z0-9 ]+)-----/.exec(text)?.[1] ?? "PUBLIC KEY";
    const missing = text.includes(`-----END ${end}-----`) ? `the "-----BEGIN ${end}-----" line is` : `the "-----BEGIN ${end}-----" and "-----END ${end}-----" lines are`;
    return `MCP_JWT_PUBLIC_KEY is not a PEM key: ${missing} missing; paste the whole public key, marker lines included.${hint}`;
  }
  if (!text.includes(`-----END ${label}-----`)) {
    return `MCP_JWT_PUBLIC_KEY is not a complete PEM key: "-----BEGIN ${label}-----" is there but the "-----END ${label}-----" line is missing; paste the whole key.${hint}`;
  }
  if (label.includes("PRIVATE")) return `MCP_JWT_PUBLIC_KEY holds a private key ("${label}"): give the public key ("-----BEGIN PUBLIC KEY-----") and keep the private key off this server.`;
  if (label === "RSA PUBLIC KEY") return 'MCP_JWT_PUBLIC_KEY is a PKCS#1 "RSA PUBLIC KEY": convert it to "PUBLIC KEY" (SPKI) with `openssl rsa -RSAPublicKey_in -pubout -in key.pem`.';
  if (label !== "PUBLIC KEY" && label !== "CERTIFICATE") return `MCP_JWT_PUBLIC_KEY is a "${label}": give a "-----BEGIN PUBLIC KEY-----" key or a "-----BEGIN CERTIFICATE-----" certificate.`;
  try {
    await (label === "CERTIFICATE" ? importX509(text, algorithm) : importSPKI(text, algorithm));
    return null;
  } catch (error) {
    return `MCP_JWT_PUBLIC_KEY does not parse as a public key for ${algorithm} (${(error as Error).message}): check that the key matches MCP_JWT_ALGORITHM and was pasted whole.${hint}`;
  }
}
