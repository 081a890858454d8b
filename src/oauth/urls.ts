/**
 * Every URL the built-in authorization server publishes, from the public base URL alone
 * (MCP_SERVICE_URL behind a reverse proxy), so metadata, tokens and redirects agree with what
 * clients were told.
 */
import { MCP_PATHS } from "../mcp/paths.ts";

export const PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource";
export const AUTHORIZATION_SERVER_PATH = "/.well-known/oauth-authorization-server";
export const JWKS_PATH = "/.well-known/jwks.json";

export interface OAuthUrls {
  /** The issuer (RFC 8414 §2): the public base URL, without a trailing slash. */
  issuer: string;
  authorization: string;
  token: string;
  registration: string;
  revocation: string;
  jwks: string;
  authorizationServerMetadata: string;
  /** This server's MCP URLs, the only resources (RFC 8707) a token may be for. */
  resources: readonly string[];
  /** The RFC 9728 metadata URL of an MCP path (`/mcp` → `…/.well-known/oauth-protected-resource/mcp`). */
  resourceMetadata(mcpPath: string): string;
}

export function oauthUrls(publicUrl: string): OAuthUrls {
  const issuer = publicUrl.replace(/\/+$/, "");
  return {
    issuer,
    authorization: `${issuer}/oauth/authorize`,
    token: `${issuer}/oauth/token`,
    registration: `${issuer}/oauth/register`,
    revocation: `${issuer}/oauth/revoke`,
    jwks: `${issuer}${JWKS_PATH}`,
    authorizationServerMetadata: `${issuer}${AUTHORIZATION_SERVER_PATH}`,
    resources: MCP_PATHS.map((path) => `${issuer}${path}`),
    resourceMetadata: (mcpPath) => `${issuer}${PROTECTED_RESOURCE_PATH}${mcpPath}`,
  };
}
