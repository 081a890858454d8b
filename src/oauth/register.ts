/**
 * Dynamic client registration (RFC 7591), open to anyone as the MCP authorization spec expects of
 * a server without pre-registered clients, and rate limited per client address. Redirect URIs
 * must be https, loopback http or a native app's private-use scheme; metadata this server does
 * not use is ignored (RFC 7591 §2). A confidential client's secret is shown once, here.
 */
import type { BlockList } from "node:net";
import { Elysia } from "elysia";
import * as v from "valibot";
import { CustomOAuthError, InvalidClientMetadataError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import type { OAuthClientInformationFull } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { Services } from "../services/index.ts";
import type { Store } from "../store/types.ts";
import { readCapped } from "../server/form-body.ts";
import { rateLimit } from "../server/pipeline/rate-limit.ts";
import { oauthErrorResponse, oauthJson } from "./errors.ts";
import { MAX_REDIRECT_URIS, redirectUriProblem } from "./redirect-uris.ts";
import { parseScopes } from "./scopes.ts";

/** Registrations allowed per client address and window: a few clients a day is normal, thousands an attack on storage. */
export const REGISTRATION_RATE_LIMIT = { requests: 30, windowSeconds: 600 };
const MAX_BODY_BYTES = 16 * 1024;
export const CLIENT_NAME_MAX_LENGTH = 100;

const clientMetadataSchema = v.object({
  redirect_uris: v.pipe(v.array(v.string("must be strings"), "must be an array of strings"), v.minLength(1, "must name at least one URI"), v.maxLength(MAX_REDIRECT_URIS, `may name at most ${MAX_REDIRECT_URIS} URIs`)),
  token_endpoint_auth_method: v.optional(v.picklist(["none", "client_secret_basic", "client_secret_post"], "must be none, client_secret_basic or client_secret_post"), "client_secret_basic"),
  grant_types: v.optional(v.pipe(v.array(v.picklist(["authorization_code", "refresh_token"], "may only be authorization_code and refresh_token")), v.minLength(1)), ["authorization_code"]),
  response_types: v.optional(v.array(v.literal("code", 'may only be "code"')), ["code"]),
  client_name: v.optional(v.pipe(v.string("must be a string"), v.trim(), v.maxLength(CLIENT_NAME_MAX_LENGTH, `must be at most ${CLIENT_NAME_MAX_LENGTH} characters`))),
  client_uri: v.optional(v.pipe(v.string("must be a string"), v.maxLength(2000), v.check((uri) => /^https?:\/\//.test(uri) && URL.canParse(uri), "must be an http(s) URL"))),
  scope: v.optional(v.pipe(v.string("must be a string"), v.maxLength(200))),
});

export function registrationEndpoint({ services, store, trustedProxies, onRateLimited }: { services: Services; store: Store; trustedProxies: BlockList; onRateLimited?: () => void }) {
  const refuse = (message: string, reason?: string) => oauthErrorResponse("register", new InvalidClientMetadataError(message), reason);

  return new Elysia({ name: "oauth-register" })
    .use(rateLimit({ name: "oauth-register", enabled: true, ...REGISTRATION_RATE_LIMIT, store, trustedProxies, onRefused: onRateLimited }))
    .post("/oauth/register", async function registerClient({ request }) {
      const bytes = await readCapped(request, MAX_BODY_BYTES);
      if (!bytes) return refuse(`The registration request is larger than ${MAX_BODY_BYTES} bytes.`);
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        return refuse("The registration request must be a JSON object (RFC 7591 §3.1).");
      }
      const parsed = v.safeParse(clientMetadataSchema, body);
      if (!parsed.success) {
        const issue = parsed.issues[0];
        return refuse(`${v.getDotPath(issue) ?? "The request"} ${issue.message}.`);
      }
      const metadata = parsed.output;
      for (const uri of metadata.redirect_uris) {
        const problem = redirectUriProblem(uri);
        if (problem) return oauthErrorResponse("register", new CustomOAuthError("invalid_redirect_uri", `The ${problem}.`));
      }
      if (metadata.scope !== undefined && parseScopes(metadata.scope) === null) return refuse("scope may only name mcp:read and mcp:write.");

      const { client, secret } = await services.oauthClients.register({
        name: metadata.client_name || "Unnamed client",
        redirectUris: metadata.redirect_uris,
        tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
        clientUri: metadata.client_uri ?? null,
      });
      const information: OAuthClientInformationFull = {
        client_id: client.id,
        client_id_issued_at: Math.floor(new Date(client.createdAt).getTime() / 1000),
        ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
        redirect_uris: client.redirectUris,
        token_endpoint_auth_method: client.tokenEndpointAuthMethod,
        grant_types: metadata.grant_types,
        response_types: ["code"],
        client_name: client.name,
        ...(client.clientUri ? { client_uri: client.clientUri } : {}),
        ...(metadata.scope ? { scope: metadata.scope } : {}),
      };
      return oauthJson(information, 201);
    });
}
