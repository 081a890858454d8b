/**
 * Dynamic client registration (RFC 7591), open to anyone as the MCP authorization spec expects of
 * a server without pre-registered clients, and rate limited per client address. Redirect URIs
 * must be https, loopback http or a native app's private-use scheme, and fit the
 * `application_type` when one is given (SEP-837); metadata this server does not use is ignored
 * (RFC 7591 §2). A confidential client's secret is shown once, here.
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
import { checkClientMetadata, clientMetadataEntries, describeIssue } from "./client-metadata.ts";

/** Registrations allowed per client address and window: a few clients a day is normal, thousands an attack on storage. */
export const REGISTRATION_RATE_LIMIT = { requests: 30, windowSeconds: 600 };
const MAX_BODY_BYTES = 16 * 1024;

const clientMetadataSchema = v.object({
  ...clientMetadataEntries,
  token_endpoint_auth_method: v.optional(v.picklist(["none", "client_secret_basic", "client_secret_post"], "must be none, client_secret_basic or client_secret_post"), "client_secret_basic"),
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
      if (!parsed.success) return refuse(describeIssue(parsed.issues));
      const metadata = parsed.output;
      const check = checkClientMetadata(metadata);
      if (!check.ok) return check.error === "invalid_redirect_uri" ? oauthErrorResponse("register", new CustomOAuthError("invalid_redirect_uri", check.message)) : refuse(check.message);

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
        ...(metadata.application_type ? { application_type: metadata.application_type } : {}),
      };
      return oauthJson(information, 201);
    });
}
