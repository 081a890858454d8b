/**
 * Discovery: RFC 9728 protected-resource metadata at the root and under each MCP path, RFC 8414
 * authorization-server metadata, and the JWKS clients and resource servers verify tokens with.
 * Every URL comes from the public base URL, so the answers are right behind a reverse proxy.
 */
import { Elysia } from "elysia";
import type { OAuthMetadata, OAuthProtectedResourceMetadata } from "@modelcontextprotocol/sdk/shared/auth.js";
import { MCP_PATHS } from "../mcp/paths.ts";
import type { KeyRing } from "./key-ring.ts";
import { TOOL_SCOPES } from "../auth/scopes.ts";
import { AUTHORIZATION_SERVER_PATH, JWKS_PATH, PROTECTED_RESOURCE_PATH, type OAuthUrls } from "./urls.ts";

/** Metadata changes only with the configuration; JWKS with a key rotation, which keeps old keys published meanwhile. */
const METADATA_CACHE = "public, max-age=3600";
const JWKS_CACHE = "public, max-age=300";

export function protectedResourceMetadata(urls: OAuthUrls, resource: string): OAuthProtectedResourceMetadata {
  return {
    resource,
    authorization_servers: [urls.issuer],
    scopes_supported: [...TOOL_SCOPES],
    bearer_methods_supported: ["header"],
    resource_name: "Superset MCP",
  };
}

export function authorizationServerMetadata(urls: OAuthUrls): OAuthMetadata {
  return {
    issuer: urls.issuer,
    authorization_endpoint: urls.authorization,
    token_endpoint: urls.token,
    registration_endpoint: urls.registration,
    revocation_endpoint: urls.revocation,
    jwks_uri: urls.jwks,
    scopes_supported: [...TOOL_SCOPES],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
    revocation_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
    authorization_response_iss_parameter_supported: true,
    // Client ID Metadata Documents (src/oauth/client-metadata-documents.ts): an https client_id URL is its own registration.
    client_id_metadata_document_supported: true,
  };
}

function json(body: unknown, cacheControl: string): Response {
  return new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json", "Cache-Control": cacheControl, "Access-Control-Allow-Origin": "*" } });
}

export function oauthMetadataRoutes({ urls, keyRing }: { urls: OAuthUrls; keyRing: KeyRing }) {
  const [primary] = urls.resources;
  const app = new Elysia({ name: "oauth-metadata" })
    .get(PROTECTED_RESOURCE_PATH, () => json(protectedResourceMetadata(urls, primary!), METADATA_CACHE))
    .get(AUTHORIZATION_SERVER_PATH, () => json(authorizationServerMetadata(urls), METADATA_CACHE))
    .get(JWKS_PATH, async function publishKeys() {
      // The first key is made here if no token was signed yet, so a verifier never caches an empty set.
      await keyRing.signingKey();
      return json(await keyRing.publicJwks(), JWKS_CACHE);
    });
  for (const [index, path] of MCP_PATHS.entries()) {
    app.get(`${PROTECTED_RESOURCE_PATH}${path}`, () => json(protectedResourceMetadata(urls, urls.resources[index]!), METADATA_CACHE));
  }
  return app;
}
