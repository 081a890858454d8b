import { beforeAll, describe, expect, test } from "bun:test";
import { exportPKCS8, exportSPKI, generateKeyPair } from "jose";
import { startupProblems, startupWarnings } from "../../src/config/checks.ts";
import { defaultConfig } from "../../src/config/defaults.ts";
import type { ResolvedConfig } from "../../src/config/schema.ts";

const SECRET_32 = "0123456789abcdef0123456789abcdef";
const AUTH_ON = { MCP_AUTH_ENABLED: true, MCP_DEV_USERNAME: null, SECRET_KEY: "k".repeat(48) };

function config(patch: Partial<ResolvedConfig>): ResolvedConfig {
  return { ...defaultConfig(false), MCP_DEV_USERNAME: "admin", ...patch };
}

let rsaPublicPem = "";
let rsaPrivatePem = "";
let edPublicPem = "";
beforeAll(async () => {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  rsaPublicPem = await exportSPKI(rsa.publicKey);
  rsaPrivatePem = await exportPKCS8(rsa.privateKey);
  edPublicPem = await exportSPKI((await generateKeyPair("EdDSA", { extractable: true })).publicKey);
});

describe("configurations that start", () => {
  test("dev mode with a dev user", async () => {
    expect(await startupProblems(config({}))).toEqual([]);
  });

  test("auth on with the built-in OAuth server and no external JWT", async () => {
    expect(await startupProblems(config(AUTH_ON))).toEqual([]);
  });

  test("auth on with an RSA public key, an Ed25519 key, an HS256 secret", async () => {
    expect(await startupProblems(config({ ...AUTH_ON, MCP_JWT_PUBLIC_KEY: rsaPublicPem }))).toEqual([]);
    expect(await startupProblems(config({ ...AUTH_ON, MCP_JWT_ALGORITHM: "EdDSA", MCP_JWT_PUBLIC_KEY: edPublicPem }))).toEqual([]);
    expect(await startupProblems(config({ ...AUTH_ON, MCP_JWT_ALGORITHM: "HS256", MCP_JWT_SECRET: SECRET_32 }))).toEqual([]);
  });
});

describe("startup problems, one sentence each", () => {
  test("auth off and no MCP_DEV_USERNAME", async () => {
    expect(await startupProblems(config({ MCP_DEV_USERNAME: null }))).toEqual([
      "MCP_DEV_USERNAME is not set while MCP_AUTH_ENABLED is false: set MCP_DEV_USERNAME to the user that requests without a credential run as, or set MCP_AUTH_ENABLED to true.",
    ]);
  });

  test("auth on and MCP_DEV_USERNAME set", async () => {
    expect(await startupProblems(config({ ...AUTH_ON, MCP_DEV_USERNAME: "admin" }))).toEqual([
      'MCP_DEV_USERNAME is set ("admin") while MCP_AUTH_ENABLED is true: remove MCP_DEV_USERNAME, since a dev user must never serve a deployment that requires authentication.',
    ]);
  });

  test("auth on and no SECRET_KEY", async () => {
    expect(await startupProblems(config({ ...AUTH_ON, SECRET_KEY: null }))).toEqual([
      "SECRET_KEY is not set while MCP_AUTH_ENABLED is true: set SECRET_KEY to a long random string (generate one with `openssl rand -base64 48`); it is generated only in dev mode.",
    ]);
  });

  test("HS256 with a public key and with a JWKS URI", async () => {
    const problems = await startupProblems(config({ MCP_JWT_ALGORITHM: "HS256", MCP_JWT_SECRET: SECRET_32, MCP_JWT_PUBLIC_KEY: rsaPublicPem, MCP_JWKS_URI: "https://idp/jwks" }));
    expect(problems).toEqual([
      "MCP_JWT_PUBLIC_KEY is set but MCP_JWT_ALGORITHM is HS256, which verifies with MCP_JWT_SECRET only: remove MCP_JWT_PUBLIC_KEY, or set MCP_JWT_ALGORITHM to an asymmetric algorithm such as RS256.",
      "MCP_JWKS_URI is set but MCP_JWT_ALGORITHM is HS256, which verifies with MCP_JWT_SECRET only: remove MCP_JWKS_URI, or set MCP_JWT_ALGORITHM to an asymmetric algorithm such as RS256.",
    ]);
  });

  test("an asymmetric algorithm with both a public key and a JWKS URI", async () => {
    expect(await startupProblems(config({ MCP_JWT_PUBLIC_KEY: rsaPublicPem, MCP_JWKS_URI: "https://idp.example/jwks" }))).toEqual([
      "MCP_JWT_PUBLIC_KEY and MCP_JWKS_URI are both set: keep one key source, MCP_JWKS_URI if your identity provider rotates keys, else MCP_JWT_PUBLIC_KEY.",
    ]);
  });

  test("a JWKS URI in the clear to another machine, or not a URL", async () => {
    expect(await startupProblems(config({ MCP_JWKS_URI: "http://idp.example/jwks" }))).toEqual([
      'MCP_JWKS_URI "http://idp.example/jwks" must use https:// (plain http:// only for a loopback host), since keys fetched in the clear can be replaced by anyone on the path.',
    ]);
    expect(await startupProblems(config({ MCP_JWKS_URI: "idp/jwks" }))).toEqual(['MCP_JWKS_URI "idp/jwks" is not a URL: give the https:// address of your identity provider\'s JWKS.']);
    expect(await startupProblems(config({ MCP_JWKS_URI: "http://127.0.0.1:9999/jwks" }))).toEqual([]);
  });

  test("an asymmetric algorithm with an issuer or audience but no key source", async () => {
    expect(await startupProblems(config({ ...AUTH_ON, MCP_JWT_ISSUER: "https://idp.example/", MCP_JWT_AUDIENCE: "superset" }))).toEqual([
      "MCP_JWT_ISSUER and MCP_JWT_AUDIENCE are set but MCP_JWT_ALGORITHM RS256 has no key source: set MCP_JWKS_URI or MCP_JWT_PUBLIC_KEY so external JWTs can be verified.",
    ]);
  });

  test("an asymmetric algorithm with a secret", async () => {
    expect(await startupProblems(config({ MCP_JWT_ALGORITHM: "ES256", MCP_JWT_SECRET: SECRET_32 }))).toEqual([
      "MCP_JWT_SECRET is set but MCP_JWT_ALGORITHM is ES256, which verifies with a public key: set MCP_JWT_ALGORITHM to HS256, HS384 or HS512, or replace MCP_JWT_SECRET by MCP_JWT_PUBLIC_KEY or MCP_JWKS_URI.",
    ]);
  });

  test("an HS secret under 32 bytes", async () => {
    expect(await startupProblems(config({ MCP_JWT_ALGORITHM: "HS384", MCP_JWT_SECRET: "short-secret" }))).toEqual([
      "MCP_JWT_SECRET is 12 bytes long but HS384 needs at least 32: generate one with `openssl rand -base64 48`.",
    ]);
  });

  test("an HS algorithm with auth on and no secret", async () => {
    expect(await startupProblems(config({ ...AUTH_ON, MCP_JWT_ALGORITHM: "HS256" }))).toEqual([
      "MCP_JWT_SECRET is not set but MCP_JWT_ALGORITHM is HS256: set MCP_JWT_SECRET to the shared secret (at least 32 bytes), or choose an asymmetric algorithm with MCP_JWT_PUBLIC_KEY or MCP_JWKS_URI.",
    ]);
    expect(await startupProblems(config({ ...AUTH_ON, MCP_JWT_ALGORITHM: "HS256", MCP_AUTH_FACTORY: () => ({ verify: async () => null }) }))).toEqual([]);
  });

  test("an asymmetric algorithm with auth on and no way to verify any credential", async () => {
    const closed = { ...AUTH_ON, MCP_OAUTH_ENABLED: false, MCP_API_KEYS_ENABLED: false };
    expect(await startupProblems(config(closed))).toEqual([
      "MCP_AUTH_ENABLED is true but no credential can be verified: set MCP_JWKS_URI or MCP_JWT_PUBLIC_KEY for RS256 tokens, set MCP_AUTH_FACTORY, or turn on MCP_OAUTH_ENABLED or MCP_API_KEYS_ENABLED.",
    ]);
    expect(await startupProblems(config({ ...closed, MCP_JWKS_URI: "https://idp/jwks" }))).toEqual([]);
    expect(await startupProblems(config({ ...closed, MCP_AUTH_FACTORY: () => ({ verify: async () => null }) }))).toEqual([]);
  });

  test("a PEM without its BEGIN and END lines", async () => {
    const body = rsaPublicPem
      .split("\n")
      .filter((line) => !line.startsWith("-----"))
      .join("\n");
    expect(await startupProblems(config({ MCP_JWT_PUBLIC_KEY: body }))).toEqual([
      'MCP_JWT_PUBLIC_KEY is not a PEM key: the "-----BEGIN PUBLIC KEY-----" and "-----END PUBLIC KEY-----" lines are missing; paste the whole public key, marker lines included.',
    ]);
    const noBegin = rsaPublicPem.replace("-----BEGIN PUBLIC KEY-----", "");
    expect(await startupProblems(config({ MCP_JWT_PUBLIC_KEY: noBegin }))).toEqual([
      'MCP_JWT_PUBLIC_KEY is not a PEM key: the "-----BEGIN PUBLIC KEY-----" line is missing; paste the whole public key, marker lines included.',
    ]);
  });

  test("a PEM without its END line", async () => {
    expect(await startupProblems(config({ MCP_JWT_PUBLIC_KEY: rsaPublicPem.replace("-----END PUBLIC KEY-----", "") }))).toEqual([
      'MCP_JWT_PUBLIC_KEY is not a complete PEM key: "-----BEGIN PUBLIC KEY-----" is there but the "-----END PUBLIC KEY-----" line is missing; paste the whole key.',
    ]);
  });

  test("a private key, a PKCS#1 key, a damaged body, a key of another algorithm", async () => {
    expect((await startupProblems(config({ MCP_JWT_PUBLIC_KEY: rsaPrivatePem })))[0]).toStartWith('MCP_JWT_PUBLIC_KEY holds a private key ("PRIVATE KEY")');
    const pkcs1 = "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----";
    expect((await startupProblems(config({ MCP_JWT_PUBLIC_KEY: pkcs1 })))[0]).toStartWith('MCP_JWT_PUBLIC_KEY is a PKCS#1 "RSA PUBLIC KEY"');
    const damaged = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----";
    expect((await startupProblems(config({ MCP_JWT_PUBLIC_KEY: damaged })))[0]).toMatch(
      /^MCP_JWT_PUBLIC_KEY does not parse as a public key for RS256 \(.+\): check that the key matches MCP_JWT_ALGORITHM and was pasted whole\.$/,
    );
    const wrongAlgorithm = await startupProblems(config({ MCP_JWT_ALGORITHM: "ES256", MCP_JWT_PUBLIC_KEY: rsaPublicPem }));
    expect(wrongAlgorithm[0]).toStartWith("MCP_JWT_PUBLIC_KEY does not parse as a public key for ES256 (");
  });

  test("a PEM with literal \\n gets a hint", async () => {
    const escaped = rsaPublicPem.trim().replaceAll("\n", "\\n");
    expect((await startupProblems(config({ MCP_JWT_PUBLIC_KEY: escaped })))[0]).toEndWith("If the key comes from an environment variable, use real line breaks instead of \\n.");
  });

  test("MCP_STORE_CONFIG enabled needs CACHE_REDIS_URL, and with it is no problem (start-up connects)", async () => {
    const store = { ...defaultConfig().MCP_STORE_CONFIG, enabled: true };
    expect(await startupProblems(config({ MCP_STORE_CONFIG: store }))).toEqual([
      "MCP_STORE_CONFIG.enabled is true but MCP_STORE_CONFIG.CACHE_REDIS_URL is not set: set it to a redis:// or rediss:// URL, or set enabled to false.",
    ]);
    expect(await startupProblems(config({ MCP_STORE_CONFIG: { ...store, CACHE_REDIS_URL: "redis://localhost:6379" } }))).toEqual([]);
  });
});

describe("MCP_METRICS_TOKEN", () => {
  test("a 32-character printable token starts, with metrics on or off and with auth on or off", async () => {
    const token = "t".repeat(32);
    expect(await startupProblems(config({ MCP_METRICS_ENABLED: true, MCP_METRICS_TOKEN: token }))).toEqual([]);
    expect(await startupProblems(config({ ...AUTH_ON, MCP_METRICS_ENABLED: true, MCP_METRICS_TOKEN: token }))).toEqual([]);
    expect(await startupProblems(config({ ...AUTH_ON, MCP_METRICS_ENABLED: true }))).toEqual([]);
  });

  test("a short token, or one Prometheus could not send as a bearer token, is refused", async () => {
    expect(await startupProblems(config({ MCP_METRICS_ENABLED: true, MCP_METRICS_TOKEN: "short" }))).toEqual([
      "MCP_METRICS_TOKEN is 5 characters long but needs at least 32: generate one with `openssl rand -hex 32`.",
    ]);
    for (const token of [`${"t".repeat(32)} x`, `${"t".repeat(32)}\n`, `${"t".repeat(32)}é`]) {
      expect(await startupProblems(config({ MCP_METRICS_ENABLED: true, MCP_METRICS_TOKEN: token }))).toEqual([
        "MCP_METRICS_TOKEN holds spaces or characters other than printable ASCII, so Prometheus could not send it as a bearer token: generate one with `openssl rand -hex 32`.",
      ]);
    }
  });

  test("a token with metrics off is a warning: it does nothing", () => {
    expect(startupWarnings(config({ MCP_METRICS_TOKEN: "t".repeat(32) }))).toEqual([
      "MCP_METRICS_TOKEN is set but MCP_METRICS_ENABLED is false: /metrics is off; set MCP_METRICS_ENABLED to true to serve it.",
    ]);
    expect(startupWarnings(config({ MCP_METRICS_ENABLED: true, MCP_METRICS_TOKEN: "t".repeat(32) }))).toEqual([]);
  });
});

describe("startup warnings", () => {
  const PUBLIC = { ...AUTH_ON, MCP_SERVICE_URL: "https://mcp.example.com" };

  test("external JWT without issuer (a missing audience is no weakness: the resource URI is required then)", () => {
    expect(startupWarnings(config({ ...PUBLIC, MCP_JWKS_URI: "https://idp/jwks" }))).toEqual([
      "MCP_JWT_ISSUER is not set: external JWTs are accepted from any issuer holding the key; set it to your identity provider's issuer.",
    ]);
  });

  test("none with both set, with auth off or without external JWT", () => {
    expect(startupWarnings(config({ ...PUBLIC, MCP_JWKS_URI: "https://idp/jwks", MCP_JWT_ISSUER: "https://idp", MCP_JWT_AUDIENCE: ["a"] }))).toEqual([]);
    expect(startupWarnings(config({ MCP_JWKS_URI: "https://idp/jwks" }))).toEqual([]);
    expect(startupWarnings(config(PUBLIC))).toEqual([]);
  });

  test("with auth on, a public URL on 0.0.0.0, on loopback, or plain http on another host", () => {
    const fix = "set MCP_SERVICE_URL to the https:// address users reach the server at, e.g. https://mcp.example.com";
    const source = (url: string) => `The public URL ${url} (MCP_SERVICE_URL, or http://MCP_SERVICE_HOST:MCP_SERVICE_PORT when unset)`;
    expect(startupWarnings(config({ ...AUTH_ON, MCP_SERVICE_HOST: "0.0.0.0" }))).toEqual([
      `${source("http://0.0.0.0:5008")} names 0.0.0.0, an address to listen on that no client can reach: sign-in links and OAuth metadata would point nowhere; ${fix}.`,
    ]);
    expect(startupWarnings(config({ ...AUTH_ON, MCP_SERVICE_HOST: "::" }))[0]).toContain("names [::], an address to listen on");
    for (const [key, value] of [
      ["MCP_SERVICE_HOST", "127.0.0.1"],
      ["MCP_SERVICE_HOST", "localhost"],
      ["MCP_SERVICE_URL", "https://127.0.0.2/mcp"],
      ["MCP_SERVICE_URL", "http://[::1]:8080"],
    ] as const) {
      const [warning] = startupWarnings(config({ ...AUTH_ON, [key]: value }));
      expect(warning).toContain("is a loopback address while MCP_AUTH_ENABLED is true: only this machine can follow its sign-in links and OAuth metadata");
    }
    expect(startupWarnings(config({ ...AUTH_ON, MCP_SERVICE_URL: "http://mcp.example.com" }))).toEqual([
      `${source("http://mcp.example.com")} uses plain http:// on a host that is not loopback: passwords, session cookies and tokens would cross the network in the clear; terminate TLS (at the reverse proxy) and ${fix}.`,
    ]);
    // Dev mode listens on loopback on purpose.
    expect(startupWarnings(config({ MCP_SERVICE_HOST: "0.0.0.0" }))).toEqual([]);
    expect(startupWarnings(config({ MCP_SERVICE_URL: "http://mcp.example.com" }))).toEqual([]);
  });
});
