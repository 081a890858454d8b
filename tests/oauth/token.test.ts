/**
 * The token and revocation endpoints through app.handle: a code is spent once, PKCE, client and
 * redirect URI must match, refresh tokens rotate and a reused one revokes the whole grant,
 * revocation stops the access token at once, and tokens this server did not sign are refused.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPair, SignJWT } from "jose";
import { request, rpc } from "../helpers/app.ts";
import { expectUnauthorized } from "../helpers/auth.ts";
import { authorizeAndExchange, authorizeParams, consent, createOAuthApp, ISSUER, MCP_RESOURCE, pkcePair, post, REDIRECT_URI, registerClient, type OAuthApp } from "../helpers/oauth-app.ts";

let t: OAuthApp;
beforeAll(async () => {
  t = await createOAuthApp();
});

const ping = (token: string) => rpc(t.app, request("ping"), { headers: { Authorization: `Bearer ${token}` } });
const oauthError = async (response: Response, status: number, error: string) => {
  expect(response.status).toBe(status);
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(((await response.json()) as { error: string }).error).toBe(error);
};

async function codeFor(client: { client_id: string }) {
  const { verifier, challenge } = pkcePair();
  const location = await consent(t, authorizeParams(client.client_id, challenge), { decision: "approve" });
  return { code: location.searchParams.get("code")!, verifier };
}
const exchange = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  post(t, "/oauth/token", { grant_type: "authorization_code", redirect_uri: REDIRECT_URI, ...fields }, headers);

describe("authorization code", () => {
  test("the token response is not cacheable and carries both tokens", async () => {
    const client = await registerClient(t);
    const { code, verifier } = await codeFor(client);
    const response = await exchange({ code, code_verifier: verifier, client_id: client.client_id });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys((await response.json()) as object).sort()).toEqual(["access_token", "expires_in", "refresh_token", "scope", "token_type"]);
  });

  test("a code used twice is refused the second time, and the tokens of the first use stop working", async () => {
    const client = await registerClient(t);
    const { code, verifier } = await codeFor(client);
    const first = (await (await exchange({ code, code_verifier: verifier, client_id: client.client_id })).json()) as { access_token: string; refresh_token: string };
    expect((await ping(first.access_token)).status).toBe(200);
    await oauthError(await exchange({ code, code_verifier: verifier, client_id: client.client_id }), 400, "invalid_grant");
    await expectUnauthorized(await ping(first.access_token));
    await oauthError(await post(t, "/oauth/token", { grant_type: "refresh_token", refresh_token: first.refresh_token, client_id: client.client_id }), 400, "invalid_grant");
  });

  test("a wrong PKCE verifier, another client, another redirect URI or another resource spends the code for nothing", async () => {
    const client = await registerClient(t);
    const other = await registerClient(t);
    const attempts: [Record<string, string>, string][] = [
      [{ code_verifier: pkcePair().verifier, client_id: client.client_id }, "invalid_grant"],
      [{ client_id: other.client_id }, "invalid_grant"],
      [{ client_id: client.client_id, redirect_uri: "http://127.0.0.1:33418/elsewhere" }, "invalid_grant"],
      [{ client_id: client.client_id, resource: "https://evil.example/mcp" }, "invalid_target"],
    ];
    for (const [change, error] of attempts) {
      const { code, verifier } = await codeFor(client);
      await oauthError(await exchange({ code, code_verifier: verifier, ...change }), 400, error);
      // The rightful request cannot use it afterwards either.
      await oauthError(await exchange({ code, code_verifier: verifier, client_id: client.client_id }), 400, "invalid_grant");
    }
  });

  test("malformed requests get invalid_request or unsupported_grant_type, not a 500", async () => {
    const client = await registerClient(t);
    await oauthError(await post(t, "/oauth/token", { grant_type: "password", username: "alice", password: "x", client_id: client.client_id }), 400, "unsupported_grant_type");
    await oauthError(await post(t, "/oauth/token", { grant_type: "authorization_code", client_id: client.client_id }), 400, "invalid_request");
    await oauthError(await t.app.handle(new Request(`${ISSUER}/oauth/token`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })), 400, "invalid_request");
    await oauthError(
      await t.app.handle(
        new Request(`${ISSUER}/oauth/token`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: `grant_type=refresh_token&refresh_token=a&refresh_token=b&client_id=${client.client_id}`,
        }),
      ),
      400,
      "invalid_request",
    );
    await oauthError(await post(t, "/oauth/token", { grant_type: "authorization_code", code: "x", code_verifier: "y".repeat(43), client_id: "mcp_nobody" }), 401, "invalid_client");
  });
});

describe("refresh tokens", () => {
  test("each refresh rotates the refresh token; reusing a rotated one revokes the whole family", async () => {
    const { client, tokens } = await authorizeAndExchange(t);
    const refresh = (token: string) => post(t, "/oauth/token", { grant_type: "refresh_token", refresh_token: token, client_id: client.client_id });
    const second = (await (await refresh(tokens.refresh_token)).json()) as { access_token: string; refresh_token: string };
    expect(second.refresh_token).not.toBe(tokens.refresh_token);
    expect((await ping(second.access_token)).status).toBe(200);
    const third = (await (await refresh(second.refresh_token)).json()) as { access_token: string; refresh_token: string };

    await oauthError(await refresh(tokens.refresh_token), 400, "invalid_grant");
    await oauthError(await refresh(third.refresh_token), 400, "invalid_grant");
    await expectUnauthorized(await ping(third.access_token));
  });

  test("a refresh may narrow the scopes but not widen them, and another client cannot use the token", async () => {
    const { client, tokens } = await authorizeAndExchange(t);
    const other = await registerClient(t);
    await oauthError(await post(t, "/oauth/token", { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: other.client_id }), 400, "invalid_grant");
    const narrowed = (await (await post(t, "/oauth/token", { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: client.client_id, scope: "mcp:read" })).json()) as {
      scope: string;
      refresh_token: string;
    };
    expect(narrowed.scope).toBe("mcp:read");
    await oauthError(await post(t, "/oauth/token", { grant_type: "refresh_token", refresh_token: narrowed.refresh_token, client_id: client.client_id, scope: "mcp:read admin" }), 400, "invalid_scope");
  });
});

describe("confidential clients", () => {
  test("client_secret_basic and client_secret_post authenticate; a wrong or missing secret is 401 invalid_client", async () => {
    for (const method of ["client_secret_basic", "client_secret_post"] as const) {
      const client = await registerClient(t, { token_endpoint_auth_method: method });
      expect(client.client_secret).toBeTruthy();
      const basic = (secret: string) => ({ Authorization: `Basic ${Buffer.from(`${client.client_id}:${secret}`).toString("base64")}` });
      const good: { fields: Record<string, string>; headers: Record<string, string> } =
        method === "client_secret_basic" ? { fields: {}, headers: basic(client.client_secret!) } : { fields: { client_id: client.client_id, client_secret: client.client_secret! }, headers: {} };
      const { code, verifier } = await codeFor(client);
      expect((await exchange({ code, code_verifier: verifier, ...good.fields }, good.headers)).status).toBe(200);
      const again = await codeFor(client);
      const wrong: { fields: Record<string, string>; headers: Record<string, string> } =
        method === "client_secret_basic" ? { fields: {}, headers: basic("wrong") } : { fields: { client_id: client.client_id, client_secret: "wrong" }, headers: {} };
      await oauthError(await exchange({ code: again.code, code_verifier: again.verifier, ...wrong.fields }, wrong.headers), 401, "invalid_client");
      await oauthError(await exchange({ code: again.code, code_verifier: again.verifier, client_id: client.client_id }), 401, "invalid_client");
    }
  });
});

describe("revocation (RFC 7009)", () => {
  test("revoking the refresh token stops the access token at once; unknown tokens get the same 200", async () => {
    const { client, tokens } = await authorizeAndExchange(t);
    const revoke = (token: string, clientId = client.client_id) => post(t, "/oauth/revoke", { token, client_id: clientId });
    expect((await revoke("not-a-token")).status).toBe(200);
    const other = await registerClient(t);
    expect((await revoke(tokens.refresh_token, other.client_id)).status).toBe(200);
    expect((await ping(tokens.access_token)).status).toBe(200);
    expect((await revoke(tokens.refresh_token)).status).toBe(200);
    await expectUnauthorized(await ping(tokens.access_token));
  });

  test("revoking the access token revokes its grant", async () => {
    const { client, tokens } = await authorizeAndExchange(t);
    expect((await post(t, "/oauth/revoke", { token: tokens.access_token, token_type_hint: "access_token", client_id: client.client_id })).status).toBe(200);
    await expectUnauthorized(await ping(tokens.access_token));
    await oauthError(await post(t, "/oauth/token", { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: client.client_id }), 400, "invalid_grant");
  });
});

describe("tokens this server did not issue", () => {
  test("a JWT naming this issuer but signed with another key, or for another audience, is refused", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forge = (audience: string, kid: string) =>
      new SignJWT({ client_id: "x", scope: "mcp:read mcp:write", organizationId: t.organizations.acme, grant_id: crypto.randomUUID() })
        .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt" })
        .setIssuer(ISSUER)
        .setSubject(t.user.id)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime("1h")
        .setJti(crypto.randomUUID())
        .sign(privateKey);
    const { keys } = (await (await t.app.handle(new Request(`${ISSUER}/.well-known/jwks.json`))).json()) as { keys: { kid: string }[] };
    await expectUnauthorized(await ping(await forge(MCP_RESOURCE, keys[0]!.kid)));
    await expectUnauthorized(await ping(await forge(MCP_RESOURCE, "unknown-kid")));
  });
});
