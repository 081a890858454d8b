/**
 * Who a `client_id` is, at the authorization and token endpoints: a client registered here
 * (RFC 7591), or, when the id is a URL, the client its Client ID Metadata Document describes. A
 * document client is recorded in the clients table (grants refer to it, Connections names it),
 * but its redirect URIs and name always come from the document as currently cached.
 */
import type { OAuthClient } from "../services/oauth-clients.ts";
import type { Services } from "../services/index.ts";
import { looksLikeClientIdUrl, type ClientMetadataDocuments } from "./client-metadata-documents.ts";

export type ClientLookup =
  /** `documentHost` is the host that published the client's metadata document, for a document client. */
  | { ok: true; client: OAuthClient; documentHost: string | null }
  /** `description` is safe to show; `reason` is for the log. `unavailable` means try again later. */
  | { ok: false; unknown: boolean; unavailable: boolean; description: string; reason: string };

export function createClientDirectory(services: Services, documents: ClientMetadataDocuments) {
  return {
    async find(clientId: string): Promise<ClientLookup> {
      if (!looksLikeClientIdUrl(clientId)) {
        const client = await services.oauthClients.find(clientId);
        if (client) return { ok: true, client, documentHost: null };
        return { ok: false, unknown: true, unavailable: false, description: "The client is not registered.", reason: `unknown client ${JSON.stringify(clientId.slice(0, 80))}` };
      }
      const loaded = await documents.load(clientId);
      if (!loaded.ok) return { ok: false, unknown: false, unavailable: loaded.error === "temporarily_unavailable", description: loaded.description, reason: loaded.reason };
      const { document } = loaded;
      await services.oauthClients.recordMetadataDocumentClient({ id: clientId, name: document.clientName, redirectUris: document.redirectUris, clientUri: document.clientUri });
      const client: OAuthClient = {
        id: clientId,
        name: document.clientName,
        redirectUris: document.redirectUris,
        tokenEndpointAuthMethod: "none",
        clientUri: document.clientUri,
        createdAt: new Date().toISOString(),
      };
      return { ok: true, client, documentHost: document.host };
    },

    /** True when `secret` is the registered client's secret; a document client has none. */
    verifySecret(client: OAuthClient, secret: string): boolean {
      return services.oauthClients.verifySecret(client, secret);
    },
  };
}

export type ClientDirectory = ReturnType<typeof createClientDirectory>;
