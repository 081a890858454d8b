/**
 * A client that names itself with its Client ID Metadata Document URL, through app.handle: the
 * authorization server advertises it, loads the document from a real HTTPS server on loopback
 * (allowed only in this test), shows the redirect host and the document's host on consent,
 * issues a code and tokens to that client_id, rotates its refresh token, and refuses a redirect
 * URI the document does not list, a document for another client_id and a secret, with the OAuth
 * errors of the endpoint concerned.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ISSUER, MCP_RESOURCE, REDIRECT_URI, authorizeParams, consent, createOAuthApp, getAuthorize, pkcePair, post, type OAuthApp } from "../helpers/oauth-app.ts";
import { startDocumentServer, type DocumentServer } from "../helpers/metadata-documents.ts";
import { PUBLIC_NAME } from "../helpers/nginx.ts";

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json", "Cache-Control": "max-age=60" } });

describe("Client ID Metadata Documents at /oauth/authorize and /oauth/token", () => {
  let server: DocumentServer;
  let t: OAuthApp;
  let clientId: string;

  beforeAll(async () => {
    server = await startDocumentServer((url) => ({
      "/client.json": () =>
        json({
          client_id: url("/client.json"),
          client_name: "Doc <Client>",
          redirect_uris: [REDIRECT_URI],
          grant_types: ["authorization_code", "refresh_token"],
          token_endpoint_auth_method: "none",
          client_uri: "https://app.example/",
        }),
      "/other.json": () => json({ client_id: "https://elsewhere.example/client.json", client_name: "Impostor", redirect_uris: [REDIRECT_URI] }),
    }));
    t = await createOAuthApp({}, { clientDocuments: server.documents() });
    clientId = server.url("/client.json");
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("the authorization server metadata advertises client_id_metadata_document_supported", async () => {
    const metadata = (await (await t.app.handle(new Request(`${ISSUER}/.well-known/oauth-authorization-server`))).json()) as Record<string, unknown>;
    expect(metadata.client_id_metadata_document_supported).toBe(true);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
  });

  test("consent names the client from its document, the redirect host and the document's host", async () => {
    const { challenge } = pkcePair();
    const page = await getAuthorize(t, authorizeParams(clientId, challenge), t.cookie);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain("Doc &lt;Client&gt;");
    expect(text).toContain(`${PUBLIC_NAME}:${new URL(clientId).port}`);
    expect(text).toContain(new URL(REDIRECT_URI).host);
    expect(text).toContain("on your own computer");
  });

  test("code, tokens and a rotating refresh token for the document's client_id; the client is listed by its document name", async () => {
    const { verifier, challenge } = pkcePair();
    const location = await consent(t, authorizeParams(clientId, challenge), { decision: "approve" });
    expect(location.searchParams.get("iss")).toBe(ISSUER);
    const exchange = await post(t, "/oauth/token", {
      grant_type: "authorization_code",
      code: location.searchParams.get("code")!,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: clientId,
      resource: MCP_RESOURCE,
    });
    expect(exchange.status).toBe(200);
    const tokens = (await exchange.json()) as { access_token: string; refresh_token: string };
    const verified = await (await import("jose")).decodeJwt(tokens.access_token);
    expect(verified.client_id).toBe(clientId);
    expect(verified.aud).toBe(MCP_RESOURCE);

    const refreshed = await post(t, "/oauth/token", { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: clientId });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as { refresh_token: string };
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    const replay = await post(t, "/oauth/token", { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: clientId });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe("invalid_grant");

    const recorded = await t.services.oauthClients.find(clientId);
    expect(recorded).toMatchObject({ id: clientId, name: "Doc <Client>", tokenEndpointAuthMethod: "none", redirectUris: [REDIRECT_URI] });
  });

  test("a redirect URI the document does not list is an error page, never a redirect", async () => {
    const { challenge } = pkcePair();
    const page = await getAuthorize(t, authorizeParams(clientId, challenge, { redirect_uri: "https://evil.example/cb" }), t.cookie);
    expect(page.status).toBe(400);
    expect(page.headers.get("location")).toBeNull();
    expect(await page.text()).toContain("did not register");
  });

  test("a document naming another client_id: an error page at /authorize, invalid_client at /token", async () => {
    const other = server.url("/other.json");
    const { challenge, verifier } = pkcePair();
    const page = await getAuthorize(t, authorizeParams(other, challenge), t.cookie);
    expect(page.status).toBe(400);
    expect(page.headers.get("location")).toBeNull();
    expect(await page.text()).toContain("names another client_id");
    const token = await post(t, "/oauth/token", { grant_type: "authorization_code", code: "x".repeat(43), code_verifier: verifier, client_id: other });
    expect(token.status).toBe(401);
    expect((await token.json()) as Record<string, string>).toMatchObject({ error: "invalid_client", error_description: "The client's metadata document names another client_id." });
  });

  test("bad client_id URLs (http, no path, unreachable) are error pages at /authorize and invalid_client at /token", async () => {
    for (const bad of ["http://app.example/client.json", "https://app.example", server.url("/missing.json")]) {
      const { challenge, verifier } = pkcePair();
      const page = await getAuthorize(t, authorizeParams(bad, challenge), t.cookie);
      expect(page.status, bad).toBe(400);
      expect(page.headers.get("location"), bad).toBeNull();
      const token = await post(t, "/oauth/token", { grant_type: "authorization_code", code: "x".repeat(43), code_verifier: verifier, client_id: bad });
      expect(token.status, bad).toBe(401);
      expect(((await token.json()) as { error: string }).error, bad).toBe("invalid_client");
    }
  });

  test("a document client is public: a client secret is refused", async () => {
    const token = await post(t, "/oauth/token", { grant_type: "refresh_token", refresh_token: "y".repeat(43), client_id: clientId, client_secret: "guess" });
    expect(token.status).toBe(401);
    expect(((await token.json()) as { error: string }).error).toBe("invalid_client");
  });
});
