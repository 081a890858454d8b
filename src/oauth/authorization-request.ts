/**
 * An authorization request (OAuth 2.1 §4.1.1 with PKCE, RFC 8707 `resource`), checked in the order
 * that keeps errors safe: until the client and its redirect URI are known good, a problem is shown
 * to the user on an error page and never redirected (an attacker could otherwise bounce users to
 * any URL through this server); after that, problems go back to the client as error redirects.
 */
import type { OAuthClient } from "../services/oauth-clients.ts";
import type { ClientDirectory } from "./clients.ts";
import type { ToolScope } from "../auth/scopes.ts";
import { log } from "../log.ts";
import { isWellFormedChallenge } from "./pkce.ts";
import { redirectUriMatches } from "./redirect-uris.ts";
import { matchResource } from "./resources.ts";
import { parseScopes } from "./scopes.ts";
import type { OAuthUrls } from "./urls.ts";

export const MAX_STATE_LENGTH = 1000;

export interface AuthorizationRequest {
  client: OAuthClient;
  /** The host that published the client's metadata document, when the client_id is one (shown on consent). */
  documentHost: string | null;
  redirectUri: string;
  state: string | null;
  scopes: ToolScope[];
  /** One of this server's MCP URLs, in its canonical form: the audience of the tokens. */
  resource: string;
  codeChallenge: string;
}

export type AuthorizationRequestCheck =
  | { ok: true; request: AuthorizationRequest }
  /** Shown as an error page; the client or redirect URI cannot be trusted with a redirect. */
  | { ok: false; page: { status: number; title: string; message: string } }
  /** Sent back to the client's redirect URI. */
  | { ok: false; redirect: string };

/** The client's redirect URI with the response parameters added (and `iss`, RFC 9207), keeping its own query. */
export function redirectWith(redirectUri: string, params: Record<string, string | null>, issuer: string): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries({ ...params, iss: issuer })) if (value !== null) url.searchParams.set(name, value);
  return url.href;
}

/** The parameters that carry a checked request through the consent form and back. */
export function requestParams(request: AuthorizationRequest): Record<string, string> {
  return {
    response_type: "code",
    client_id: request.client.id,
    redirect_uri: request.redirectUri,
    scope: request.scopes.join(" "),
    code_challenge: request.codeChallenge,
    code_challenge_method: "S256",
    resource: request.resource,
    ...(request.state !== null ? { state: request.state } : {}),
  };
}

export async function checkAuthorizationRequest(clients: ClientDirectory, urls: OAuthUrls, params: Record<string, string>): Promise<AuthorizationRequestCheck> {
  const page = (message: string, status = 400) => ({ ok: false as const, page: { status, title: "This sign-in link does not work", message } });
  if (!params.client_id) return page("The request does not say which application is asking (client_id is missing). Start the connection again from your application.");
  const found = await clients.find(params.client_id);
  if (!found.ok) {
    log.info("oauth authorization refused", { reason: found.reason });
    if (found.unknown) return page("The application asking is not registered with this server. Start the connection again from your application, which registers it anew.");
    if (found.unavailable) return page(`${found.description} Nothing was sent to the application.`, 503);
    return page(`The application's identity could not be checked: ${found.description} Nothing was sent to it; its developer has to fix its metadata document.`);
  }
  const { client, documentHost } = found;
  let redirectUri = params.redirect_uri;
  if (redirectUri === undefined) {
    if (client.redirectUris.length !== 1) return page("The request does not say where to return (redirect_uri is missing). Start the connection again from your application.");
    redirectUri = client.redirectUris[0]!;
  } else if (!redirectUriMatches(client.redirectUris, redirectUri)) {
    return page("The request asks to return to an address the application did not register. Nothing was sent to it; start the connection again from your application.");
  }

  const state = params.state ?? null;
  const fail = (error: string, description: string) => ({
    ok: false as const,
    redirect: redirectWith(redirectUri, { error, error_description: description, state: state && state.slice(0, MAX_STATE_LENGTH) }, urls.issuer),
  });
  if (params.response_type !== "code") return fail("unsupported_response_type", "response_type must be code.");
  if (params.code_challenge_method !== "S256") return fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256.");
  if (!params.code_challenge || !isWellFormedChallenge(params.code_challenge)) return fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code verifier (43 characters).");
  if (state !== null && state.length > MAX_STATE_LENGTH) return fail("invalid_request", `state must be at most ${MAX_STATE_LENGTH} characters.`);
  const scopes = parseScopes(params.scope);
  if (!scopes) return fail("invalid_scope", "scope may only name mcp:read and mcp:write.");
  // RFC 8707: the token is for exactly one of this server's MCP URLs; a client that names none gets the primary one.
  const resource = params.resource === undefined ? urls.resources[0]! : matchResource(urls.resources, params.resource);
  if (!resource) return fail("invalid_target", `resource must be one of ${urls.resources.join(", ")}.`);
  return { ok: true, request: { client, documentHost, redirectUri, state, scopes, resource, codeChallenge: params.code_challenge } };
}
