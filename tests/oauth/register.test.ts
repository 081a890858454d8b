/**
 * Dynamic client registration (RFC 7591) through app.handle: who may register which redirect URIs,
 * what the answer holds, that bad metadata is refused with a sentence and stores nothing, and the
 * rate limit per client address.
 */
import { describe, expect, test } from "bun:test";
import { createOAuthApp, ISSUER } from "../helpers/oauth-app.ts";

const register = (t: { app: { handle(r: Request): Promise<Response> } }, body: unknown, headers: Record<string, string> = {}) =>
  t.app.handle(new Request(`${ISSUER}/oauth/register`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) }));

describe("POST /oauth/register", async () => {
  const t = await createOAuthApp();

  test("a public client gets an id and no secret; a confidential one gets a secret once", async () => {
    const response = await register(t, {
      client_name: "Claude Code",
      redirect_uris: ["http://localhost:51234/callback"],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      logo_uri: "https://example.com/x.png",
      software_id: "ignored",
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const client = (await response.json()) as Record<string, unknown>;
    expect(client).toMatchObject({ client_name: "Claude Code", redirect_uris: ["http://localhost:51234/callback"], token_endpoint_auth_method: "none", response_types: ["code"] });
    expect(client.client_id).toMatch(/^mcp_/);
    expect(client.client_secret).toBeUndefined();

    const confidential = (await (await register(t, { redirect_uris: ["https://app.example.com/cb"] })).json()) as Record<string, unknown>;
    expect(confidential.token_endpoint_auth_method).toBe("client_secret_basic");
    expect(typeof confidential.client_secret).toBe("string");
    expect(confidential.client_secret_expires_at).toBe(0);
    expect(JSON.stringify(await t.services.oauthClients.find(confidential.client_id as string))).not.toContain(confidential.client_secret as string);
  });

  test("https, loopback http and private-use schemes are accepted", async () => {
    for (const uri of [
      "https://app.example.com/callback",
      "http://127.0.0.1/cb",
      "http://[::1]:8080/cb",
      "cursor://anysphere.cursor-retrieval/oauth/user-superset/callback",
      "com.example.app:/oauth2redirect",
    ]) {
      expect((await register(t, { redirect_uris: [uri], token_endpoint_auth_method: "none" })).status).toBe(201);
    }
  });

  test("redirect URIs that could leak the code are refused with invalid_redirect_uri", async () => {
    for (const uri of [
      "http://app.example.com/callback",
      "javascript:alert(1)",
      "data:text/html,x",
      "https://app.example.com/cb#frag",
      "/relative",
      "https://user:pw@app.example.com/cb",
      `https://a.example/${"x".repeat(2100)}`,
    ]) {
      const response = await register(t, { redirect_uris: [uri], token_endpoint_auth_method: "none" });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; error_description: string };
      expect(body.error).toBe("invalid_redirect_uri");
      expect(body.error_description.length).toBeGreaterThan(10);
    }
  });

  test("malformed metadata gets invalid_client_metadata with a sentence naming the field", async () => {
    const cases: [unknown, string][] = [
      ["not json", "JSON"],
      [[], "redirect_uris"],
      [{ redirect_uris: [] }, "redirect_uris"],
      [{ redirect_uris: "https://a.example/cb" }, "redirect_uris"],
      [{ redirect_uris: ["https://a.example/cb"], token_endpoint_auth_method: "private_key_jwt" }, "token_endpoint_auth_method"],
      [{ redirect_uris: ["https://a.example/cb"], grant_types: ["client_credentials"] }, "grant_types"],
      [{ redirect_uris: ["https://a.example/cb"], response_types: ["token"] }, "response_types"],
      [{ redirect_uris: ["https://a.example/cb"], client_name: "x".repeat(101) }, "client_name"],
      [{ redirect_uris: ["https://a.example/cb"], scope: "admin" }, "scope"],
    ];
    for (const [body, field] of cases) {
      const response = await register(t, body);
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { error: string; error_description: string };
      expect(answer.error).toBe("invalid_client_metadata");
      expect(answer.error_description).toContain(field);
    }
  });

  test("a client name with markup is stored exactly (pages escape it)", async () => {
    const name = `<img src=x onerror=alert(1)> "Tool" & co`;
    const client = (await (await register(t, { client_name: name, redirect_uris: ["https://a.example/cb"], token_endpoint_auth_method: "none" })).json()) as { client_id: string };
    expect((await t.services.oauthClients.find(client.client_id))!.name).toBe(name);
  });
});

test("registration is rate limited per client address: the 31st within ten minutes is 429 with Retry-After", async () => {
  const t = await createOAuthApp();
  const send = () =>
    t.app.handle(new Request(`${ISSUER}/oauth/register`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ redirect_uris: ["https://a.example/cb"] }) }));
  // app.handle has no socket, so every request comes from the same (unknown) address.
  for (let i = 0; i < 30; i++) expect((await send()).status).toBe(201);
  const limited = await send();
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
});

test("application_type (SEP-837): native takes loopback, app schemes and https; web only https off this machine; the answer echoes it", async () => {
  // An app of its own: the registrations here would otherwise count against the shared rate limit.
  const t = await createOAuthApp();
  for (const uri of ["http://127.0.0.1:4000/cb", "http://localhost/cb", "com.example.app:/oauth2redirect", "https://app.example.com/cb"]) {
    const response = await register(t, { application_type: "native", redirect_uris: [uri], token_endpoint_auth_method: "none" });
    expect(response.status, uri).toBe(201);
    expect(((await response.json()) as { application_type: string }).application_type).toBe("native");
  }
  expect((await register(t, { application_type: "web", redirect_uris: ["https://app.example.com/cb"] })).status).toBe(201);
  for (const uri of ["http://127.0.0.1:4000/cb", "https://localhost/cb", "com.example.app:/oauth2redirect"]) {
    const response = await register(t, { application_type: "web", redirect_uris: [uri], token_endpoint_auth_method: "none" });
    expect(response.status, uri).toBe(400);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe("invalid_redirect_uri");
    expect(body.error_description).toContain("web application");
  }
  const unknown = await register(t, { application_type: "desktop", redirect_uris: ["https://app.example.com/cb"] });
  expect(unknown.status).toBe(400);
  expect(((await unknown.json()) as { error_description: string }).error_description).toContain("application_type");
});
