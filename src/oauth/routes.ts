/**
 * The built-in OAuth 2.1 authorization server (auth.md §Built-in OAuth 2.1), mounted when
 * authentication is on and MCP_OAUTH_ENABLED: discovery, registration, authorization, token and
 * revocation. Its JSON endpoints answer cross-origin requests (a browser-based client such as
 * the MCP Inspector discovers and exchanges tokens from another origin; no cookie is involved).
 */
import { Elysia } from "elysia";
import type { BlockList } from "node:net";
import type { Services } from "../services/index.ts";
import type { Store } from "../store/types.ts";
import type { WebAuth } from "../web/web-auth.ts";
import type { AccessTokens } from "./access-tokens.ts";
import { authorizationEndpoint } from "./authorize.ts";
import type { ClientDirectory } from "./clients.ts";
import type { KeyRing } from "./key-ring.ts";
import { oauthMetadataRoutes } from "./metadata.ts";
import { registrationEndpoint } from "./register.ts";
import { revocationEndpoint } from "./revoke.ts";
import { tokenEndpoint } from "./token.ts";
import type { OAuthUrls } from "./urls.ts";

export interface OAuthServerOptions {
  services: Services;
  /** Registered clients and Client ID Metadata Document clients. */
  clients: ClientDirectory;
  urls: OAuthUrls;
  keyRing: KeyRing;
  accessTokens: AccessTokens;
  webAuth: WebAuth;
  /** Holds the counters of the registration and token rate limits. */
  store: Store;
  /** MCP_TRUSTED_PROXIES, for the client address the registration and token limits count under. */
  trustedProxies: BlockList;
  /** Called for each registration or token request a rate limit refuses. */
  onRateLimited?: (limiter: OAuthLimiter) => void;
}

/** The OAuth limits whose refusals metrics count. */
export type OAuthLimiter = "registration" | "token";

const CROSS_ORIGIN_PATHS = ["/oauth/register", "/oauth/token", "/oauth/revoke", "/.well-known/*"];

function preflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      "Access-Control-Allow-Headers": "Authorization, Content-Type, MCP-Protocol-Version",
      "Access-Control-Max-Age": "600",
    },
  });
}

export function oauthServer({ services, clients, urls, keyRing, accessTokens, webAuth, store, trustedProxies, onRateLimited }: OAuthServerOptions) {
  // Token and revocation requests are counted per client address before the client is authenticated.
  const tokenLimit = { store, trustedProxies, onRefused: () => onRateLimited?.("token") };
  const app = new Elysia({ name: "oauth" })
    .use(oauthMetadataRoutes({ urls, keyRing }))
    .use(registrationEndpoint({ services, store, trustedProxies, onRateLimited: () => onRateLimited?.("registration") }))
    .use(authorizationEndpoint({ services, clients, urls, webAuth }))
    .use(tokenEndpoint({ services, clients, accessTokens, limit: tokenLimit }))
    .use(revocationEndpoint({ services, clients, accessTokens, limit: tokenLimit }));
  for (const path of CROSS_ORIGIN_PATHS) app.options(path, preflight);
  return app;
}
