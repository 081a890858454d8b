/** The JWKS cache against a real local JWKS server: lookups by kid, refetch limits, outages and garbage. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { jwtVerify } from "jose";
import { JWKS_MIN_FETCH_INTERVAL_MS, JWKS_REFRESH_AFTER_MS, JwksCache } from "../../src/auth/jwks.ts";
import { configureLog } from "../../src/log.ts";
import { createSigningKey, signToken, startIdentityProvider, type IdentityProvider, type SigningKey } from "../helpers/identity-provider.ts";

let idp: IdentityProvider;
let first: SigningKey;
let clockMs: number;
let cache: JwksCache;

const verify = (token: string) => jwtVerify(token, cache.resolve, { algorithms: ["RS256"] });
/** Lets a background refresh that was started without being awaited finish. */
const settle = () => Bun.sleep(50);

beforeEach(async () => {
  configureLog({ write: () => {} });
  first = await createSigningKey();
  idp = startIdentityProvider([first]);
  clockMs = 1_000_000;
  cache = new JwksCache(idp.jwksUri, () => clockMs);
});

afterEach(async () => {
  await idp.stop();
  configureLog({ write: (line) => process.stderr.write(line + "\n") });
});

describe("JWKS cache", () => {
  test("fetches once, then verifies known keys from memory", async () => {
    const token = await signToken({ sub: "ada" }, first);
    await verify(token);
    await verify(token);
    expect(idp.fetches).toBe(1);
  });

  test("an unknown kid triggers one refetch, and at most one fetch per minute", async () => {
    await verify(await signToken({ sub: "ada" }, first));
    const stranger = await signToken({ sub: "eve" }, await createSigningKey());
    await expect(verify(stranger)).rejects.toThrow();
    expect(idp.fetches).toBe(1); // the first fetch was just now
    clockMs += JWKS_MIN_FETCH_INTERVAL_MS;
    await expect(verify(stranger)).rejects.toThrow();
    expect(idp.fetches).toBe(2);
    for (let i = 0; i < 20; i++) await expect(verify(stranger)).rejects.toThrow();
    expect(idp.fetches).toBe(2);
    clockMs += JWKS_MIN_FETCH_INTERVAL_MS;
    await expect(verify(stranger)).rejects.toThrow();
    expect(idp.fetches).toBe(3);
  });

  test("a rotated-in key is picked up on its first use", async () => {
    await verify(await signToken({ sub: "ada" }, first));
    const second = await createSigningKey();
    idp.keys.push(second);
    clockMs += JWKS_MIN_FETCH_INTERVAL_MS;
    const { payload } = await verify(await signToken({ sub: "ada" }, second));
    expect(payload.sub).toBe("ada");
  });

  for (const mode of ["down", "garbage", "not-a-key-set"] as const) {
    test(`endpoint ${mode} after warm-up: known keys still verify, unknown ones fail closed`, async () => {
      const known = await signToken({ sub: "ada" }, first);
      await verify(known);
      idp.mode = mode;
      clockMs += JWKS_REFRESH_AFTER_MS + 1; // stale: a background refresh is attempted and fails
      expect((await verify(known)).payload.sub).toBe("ada");
      await settle();
      expect(idp.fetches).toBe(2);
      expect((await verify(known)).payload.sub).toBe("ada");
      clockMs += JWKS_MIN_FETCH_INTERVAL_MS;
      await expect(verify(await signToken({ sub: "eve" }, await createSigningKey()))).rejects.toThrow();
      expect(idp.fetches).toBe(3);
    });

    test(`endpoint ${mode} from the start: every token fails closed`, async () => {
      idp.mode = mode;
      await expect(verify(await signToken({ sub: "ada" }, first))).rejects.toThrow(/no keys/);
    });
  }

  test("the server stopped entirely after warm-up: known keys still verify", async () => {
    const known = await signToken({ sub: "ada" }, first);
    await verify(known);
    await idp.stop();
    clockMs += JWKS_REFRESH_AFTER_MS + 1;
    expect((await verify(known)).payload.sub).toBe("ada");
    await settle();
    expect((await verify(known)).payload.sub).toBe("ada");
  });

  test("a key removed from the JWKS stops verifying after the refresh", async () => {
    const known = await signToken({ sub: "ada" }, first);
    await verify(known);
    idp.keys = [await createSigningKey()];
    clockMs += JWKS_REFRESH_AFTER_MS + 1;
    await verify(known); // served from the old keys while the refresh runs
    await settle();
    await expect(verify(known)).rejects.toThrow();
  });
});
