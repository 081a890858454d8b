/**
 * The built-in OAuth 2.1 authorization server, assembled from the configuration: its URLs, the
 * signing key ring, the access tokens the authenticator verifies, and the routes. Null when it is
 * off: it serves only deployments that require authentication (MCP_AUTH_ENABLED) and keep
 * MCP_OAUTH_ENABLED on.
 */
import { publicBaseUrl } from "../config/load.ts";
import type { BlockList } from "node:net";
import type { ResolvedConfig } from "../config/schema.ts";
import type { Services } from "../services/index.ts";
import type { Store } from "../store/types.ts";
import type { WebAuth } from "../web/web-auth.ts";
import { createAccessTokens, type AccessTokens } from "./access-tokens.ts";
import { createClientMetadataDocuments, type ClientMetadataDocuments } from "./client-metadata-documents.ts";
import { createClientDirectory } from "./clients.ts";
import { createKeyRing, type KeyRing } from "./key-ring.ts";
import { oauthServer, type OAuthLimiter } from "./routes.ts";
import { oauthUrls, type OAuthUrls } from "./urls.ts";

export interface BuiltInOAuth {
  urls: OAuthUrls;
  keyRing: KeyRing;
  accessTokens: AccessTokens;
  routes: ReturnType<typeof oauthServer>;
}

export interface BuiltInOAuthOptions {
  config: ResolvedConfig;
  services: Services;
  secretKey: string;
  webAuth: WebAuth;
  /** Holds the counters of the registration and token rate limits. */
  store: Store;
  /** MCP_TRUSTED_PROXIES, for the client address the registration and token limits count under. */
  trustedProxies: BlockList;
  /** Called for each registration or token request a rate limit refuses. */
  onRateLimited?: (limiter: OAuthLimiter) => void;
  /** Where Client ID Metadata Documents come from; public https hosts only unless a test says otherwise. */
  clientDocuments?: ClientMetadataDocuments;
}

export function isBuiltInOAuthOn(config: Pick<ResolvedConfig, "MCP_AUTH_ENABLED" | "MCP_OAUTH_ENABLED">): boolean {
  return config.MCP_AUTH_ENABLED && config.MCP_OAUTH_ENABLED;
}

export function createBuiltInOAuth({
  config,
  services,
  secretKey,
  webAuth,
  store,
  trustedProxies,
  onRateLimited,
  clientDocuments = createClientMetadataDocuments(),
}: BuiltInOAuthOptions): BuiltInOAuth | null {
  if (!isBuiltInOAuthOn(config)) return null;
  const urls = oauthUrls(publicBaseUrl(config));
  const keyRing = createKeyRing({ services, secretKey, accessTokenTtlSeconds: config.MCP_OAUTH_ACCESS_TOKEN_TTL });
  const accessTokens = createAccessTokens({ keyRing, urls, ttlSeconds: config.MCP_OAUTH_ACCESS_TOKEN_TTL, leewaySeconds: config.MCP_JWT_LEEWAY_SECONDS });
  return {
    urls,
    keyRing,
    accessTokens,
    routes: oauthServer({ services, clients: createClientDirectory(services, clientDocuments), urls, keyRing, accessTokens, webAuth, store, trustedProxies, onRateLimited }),
  };
}
