/**
 * Attacks on the built binary's authorization server, each refused: a reused code (and the tokens
 * it gave revoked, RFC 6749 §4.1.2), a PKCE mismatch, a redirect URI that was not registered or
 * differs at the token endpoint, open redirects through authorize and sign-in, a consent POST
 * without its CSRF token, a rotated refresh token used again (the whole family revoked, OAuth 2.1
 * §4.3.1), and a token for a resource that is not this server's MCP endpoint (RFC 8707).
 * One browser stays signed in throughout: sign-in is rate limited per user.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  authorizeUrl,
  codeFrom,
  consentForm,
  formValues,
  mcpPing,
  parseForms,
  PASSWORD,
  pkcePair,
  registerClient,
  ScriptedBrowser,
  startOAuthServer,
  tokenRequest,
  USERNAME,
  type OAuthServer,
} from "../helpers/oauth.ts";

setDefaultTimeout(60_000);

const REDIRECT_URI = "http://127.0.0.1:9/callback";
const OTHER_REDIRECT_URI = "http://127.0.0.1:9/other";
const EVIL = "https://evil.example/steal";

let oauth: OAuthServer;
let browser: ScriptedBrowser;
let clientId: string;

/** A code approved by alice (in acme) for the test client, with its PKCE verifier. */
async function approvedCode(params: Record<string, string> = {}): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const { location } = await browser.authorize(authorizeUrl(oauth.issuer, { client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: challenge, ...params }), {
    organizationId: oauth.organizations.acme,
  });
  return { code: codeFrom(location).code, verifier };
}

const exchange = (code: string, verifier: string, extra: Record<string, string> = {}) =>
  tokenRequest(oauth.issuer, { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: clientId, resource: oauth.mcpUrl, ...extra });

const refresh = (refreshToken: string) => tokenRequest(oauth.issuer, { grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId });

const bearer = (token: unknown) => ({ Authorization: `Bearer ${token}` });

/** GET authorize and the redirect it answered with (null when it answered a page). */
async function authorizeRedirect(params: Record<string, string>): Promise<{ status: number; location: string | null; body: string }> {
  const response = await browser.fetch(authorizeUrl(oauth.issuer, params));
  return { status: response.status, location: response.headers.get("location"), body: await response.text() };
}

beforeAll(async () => {
  oauth = await startOAuthServer();
  browser = new ScriptedBrowser(oauth.issuer);
  const signedIn = await browser.signIn(USERNAME, PASSWORD);
  expect("html" in signedIn && signedIn.status === 200, `sign-in did not land on a page: ${JSON.stringify(signedIn).slice(0, 500)}`).toBe(true);
  clientId = (await registerClient(oauth.issuer, { redirect_uris: [REDIRECT_URI, OTHER_REDIRECT_URI] })).client_id;
});

afterAll(async () => {
  await oauth?.stop();
});

describe("authorization codes", () => {
  test("a code works once; used again it is refused and the tokens it gave are revoked", async () => {
    const { code, verifier } = await approvedCode();
    const first = await exchange(code, verifier);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.headers.get("cache-control")).toContain("no-store");
    expect((await mcpPing(oauth.mcpUrl, bearer(first.body.access_token))).status).toBe(200);

    const second = await exchange(code, verifier);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe("invalid_grant");
    expect((await mcpPing(oauth.mcpUrl, bearer(first.body.access_token))).status, "the access token of a reused code must be revoked").toBe(401);
    expect((await refresh(first.body.refresh_token as string)).body.error).toBe("invalid_grant");
  });

  test("a wrong PKCE verifier is refused, and the code is spent", async () => {
    const { code, verifier } = await approvedCode();
    const wrong = await exchange(code, pkcePair().verifier);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe("invalid_grant");
    expect((await exchange(code, verifier)).body.error).toBe("invalid_grant");
  });

  test("a code without a verifier, or for another client, is refused", async () => {
    const { code, verifier } = await approvedCode();
    const withoutVerifier = await tokenRequest(oauth.issuer, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, client_id: clientId });
    expect(withoutVerifier.status).toBe(400);

    const other = await approvedCode();
    const thief = (await registerClient(oauth.issuer, { redirect_uris: [REDIRECT_URI] })).client_id;
    const stolen = await exchange(other.code, other.verifier, { client_id: thief });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe("invalid_grant");
    expect((await exchange(code, verifier)).status, "the first code is untouched by the others").toBe(200);
  });

  test("authorize without PKCE S256 goes back to the client with invalid_request, never a code", async () => {
    const plain = await authorizeRedirect({ client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: pkcePair().challenge, code_challenge_method: "plain" });
    const missing = await authorizeRedirect({ client_id: clientId, redirect_uri: REDIRECT_URI });
    for (const answer of [plain, missing]) {
      expect(answer.location, answer.body.slice(0, 300)).toStartWith(REDIRECT_URI);
      const url = new URL(answer.location!);
      expect(url.searchParams.get("error")).toBe("invalid_request");
      expect(url.searchParams.get("code")).toBeNull();
    }
  });
});

describe("redirect URIs and open redirects", () => {
  test("registration refuses redirect URIs that are not https, loopback http or a private-use scheme", async () => {
    for (const uri of ["http://evil.example/callback", "javascript:alert(1)", "https://evil.example/cb#fragment"]) {
      const response = await fetch(`${oauth.issuer}/oauth/register`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ redirect_uris: [uri], token_endpoint_auth_method: "none" }),
      });
      expect(response.status, uri).toBe(400);
      expect(((await response.json()) as { error: string }).error, uri).toMatch(/^invalid_(redirect_uri|client_metadata)$/);
    }
  });

  test("authorize with a redirect URI the client did not register shows an error page and sends nothing there", async () => {
    const { challenge } = pkcePair();
    for (const uri of [EVIL, `${REDIRECT_URI}/../../evil`, `${REDIRECT_URI}?extra=1`, "http://127.0.0.1:9/callback.evil"]) {
      const answer = await authorizeRedirect({ client_id: clientId, redirect_uri: uri, code_challenge: challenge });
      expect(answer.status, uri).toBe(400);
      expect(answer.location, uri).toBeNull();
      expect(answer.body).toContain("<html");
    }
  });

  test("an unknown client with an attacker's redirect URI gets an error page, never a redirect (no open redirect)", async () => {
    const answer = await authorizeRedirect({ client_id: "mcp_unknownunknownunknown", redirect_uri: EVIL, code_challenge: pkcePair().challenge });
    expect(answer.status).toBe(400);
    expect(answer.location).toBeNull();
  });

  test("the token endpoint refuses a redirect URI other than the one the code was issued for", async () => {
    const { code, verifier } = await approvedCode();
    const answer = await exchange(code, verifier, { redirect_uri: OTHER_REDIRECT_URI });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("invalid_grant");
  });

  test("sign-in's next never leads off the server", async () => {
    for (const next of [EVIL, "//evil.example/x", "/\\evil.example/x", "https:evil.example", "/%2F%2Fevil.example"]) {
      const visitor = new ScriptedBrowser(oauth.issuer);
      const page = await visitor.signIn(USERNAME, PASSWORD, next);
      expect("location" in page ? page.location : "stayed on the server", next).toBe("stayed on the server");
      if ("url" in page) expect(new URL(page.url).origin, next).toBe(oauth.issuer);
    }
  });
});

describe("forms need their CSRF token", () => {
  test("approving without the consent form's csrf_token (or with another browser's) gives no code", async () => {
    const { challenge } = pkcePair();
    const consent = await browser.go(authorizeUrl(oauth.issuer, { client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: challenge }));
    expect("html" in consent).toBe(true);
    const form = (await consentForm(consent as Exclude<typeof consent, { location: string }>))!;
    expect(form, "no consent form").toBeDefined();
    const values = formValues(form, { organization_id: oauth.organizations.acme }, { name: "decision", value: "approve" });
    expect(values.csrf_token, "the consent form carries a csrf_token").toBeString();

    const { csrf_token: _, ...withoutToken } = values;
    const other = new ScriptedBrowser(oauth.issuer);
    const otherPage = await other.go(`/signin?next=/settings/api-keys`);
    // A token another browser got for its own sign-in form is bound to that browser, not this one.
    const foreignToken = "html" in otherPage ? (await parseForms(otherPage.html)).flatMap((f) => f.fields).find((f) => f.name === "csrf_token")?.value : undefined;
    expect(foreignToken, "the sign-in form carries a csrf_token").toBeString();
    for (const body of [withoutToken, { ...values, csrf_token: foreignToken! }, { ...values, csrf_token: "0".repeat(64) }]) {
      const response = await browser.fetch("/oauth/authorize", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: oauth.issuer },
        body: new URLSearchParams(body),
      });
      expect(response.status).toBe(403);
      expect(response.headers.get("location")).toBeNull();
    }
    // The same form with its token still works: nothing above was spent by the refusals.
    const approved = await browser.go("/oauth/authorize", values);
    expect("location" in approved && new URL(approved.location).searchParams.get("code")).toBeTruthy();
  });

  test("a cross-site POST of the consent form by a page that has no token gives no code", async () => {
    const { challenge } = pkcePair();
    const forged = {
      response_type: "code",
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      code_challenge: challenge,
      code_challenge_method: "S256",
      resource: oauth.mcpUrl,
      scope: "mcp:read mcp:write",
      organization_id: oauth.organizations.acme,
      decision: "approve",
    };
    const response = await browser.fetch("/oauth/authorize", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
      body: new URLSearchParams(forged),
    });
    expect([400, 403]).toContain(response.status);
    expect(response.headers.get("location")).toBeNull();
  });

  test("sign-in without its csrf_token is refused and sets no session", async () => {
    const visitor = new ScriptedBrowser(oauth.issuer);
    const response = await visitor.fetch("/signin", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: USERNAME, password: PASSWORD, next: "/settings/api-keys" }),
    });
    expect(response.status).toBe(403);
    const page = await visitor.go("/settings/api-keys");
    expect("url" in page && new URL(page.url).pathname, "still signed out: the settings page sends to /signin").toBe("/signin");
  });
});

describe("refresh tokens", () => {
  test("a rotated refresh token used again is refused and revokes the whole family", async () => {
    const { code, verifier } = await approvedCode();
    const issued = await exchange(code, verifier);
    const first = issued.body.refresh_token as string;
    const rotated = await refresh(first);
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(first);
    expect((await mcpPing(oauth.mcpUrl, bearer(rotated.body.access_token))).status).toBe(200);

    const replay = await refresh(first);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe("invalid_grant");
    expect((await refresh(rotated.body.refresh_token as string)).body.error, "the newest token of the family is revoked too").toBe("invalid_grant");
    expect((await mcpPing(oauth.mcpUrl, bearer(rotated.body.access_token))).status, "and so are its access tokens").toBe(401);
  });

  test("another client cannot use or revoke a client's refresh token", async () => {
    const { code, verifier } = await approvedCode();
    const issued = await exchange(code, verifier);
    const other = (await registerClient(oauth.issuer, { redirect_uris: [REDIRECT_URI] })).client_id;
    const stolen = await tokenRequest(oauth.issuer, { grant_type: "refresh_token", refresh_token: issued.body.refresh_token as string, client_id: other });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe("invalid_grant");
    await fetch(`${oauth.issuer}/oauth/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: issued.body.refresh_token as string, client_id: other }),
    });
    expect((await mcpPing(oauth.mcpUrl, bearer(issued.body.access_token))).status, "another client's revoke request changes nothing").toBe(200);
  });
});

describe("resources (RFC 8707)", () => {
  test("authorize for a resource that is not this server's MCP URL goes back with invalid_target", async () => {
    const answer = await authorizeRedirect({ client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: pkcePair().challenge, resource: "https://other.example/mcp" });
    expect(answer.location, answer.body.slice(0, 300)).toStartWith(REDIRECT_URI);
    expect(new URL(answer.location!).searchParams.get("error")).toBe("invalid_target");
  });

  test("the token endpoint refuses a resource other than the one approved", async () => {
    const { code, verifier } = await approvedCode();
    const answer = await exchange(code, verifier, { resource: "https://other.example/mcp" });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("invalid_target");
  });

  test("a token for the /api/v2/agent/mcp alias names it as audience and works there", async () => {
    const alias = `${oauth.issuer}/api/v2/agent/mcp`;
    const { code, verifier } = await approvedCode({ resource: alias });
    const issued = await exchange(code, verifier, { resource: alias });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const payload = JSON.parse(Buffer.from((issued.body.access_token as string).split(".")[1]!, "base64url").toString());
    expect(payload.aud).toBe(alias);
    expect((await mcpPing(alias, bearer(issued.body.access_token))).status).toBe(200);
  });

  test("a token of this server with its signature or audience altered is refused", async () => {
    const { code, verifier } = await approvedCode();
    const token = (await exchange(code, verifier)).body.access_token as string;
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const otherAudience = Buffer.from(JSON.stringify({ ...claims, aud: "https://other.example/mcp" })).toString("base64url");
    for (const forged of [`${header}.${otherAudience}.${signature}`, `${header}.${payload}.${signature!.slice(0, -4)}AAAA`]) {
      expect((await mcpPing(oauth.mcpUrl, bearer(forged))).status).toBe(401);
    }
  });
});
