/**
 * OAuth clients registered through RFC 7591 dynamic registration, and those known from their
 * Client ID Metadata Document. A confidential client's secret leaves this service once, from
 * `register`; the database holds its SHA-256.
 */
import { eq } from "drizzle-orm";
import { OAUTH_TOKEN_ENDPOINT_AUTH_METHODS, type OAuthTokenEndpointAuthMethod } from "../db/schema/values.ts";
import { iso, type ServiceContext } from "./context.ts";
import { invalid } from "./errors.ts";
import { hashToken, matchesHash, randomToken } from "./random-token.ts";

/** Every client id starts so: "mcp_" and the 22 base64url characters of 16 random bytes. */
export const OAUTH_CLIENT_ID_PREFIX = "mcp_";

export interface OAuthClient {
  id: string;
  name: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: OAuthTokenEndpointAuthMethod;
  clientUri: string | null;
  createdAt: string;
}

export interface OAuthClientRegistration {
  name: string;
  /** Already checked by the caller (src/oauth/redirect-uris.ts); stored exactly as given. */
  redirectUris: readonly string[];
  tokenEndpointAuthMethod: OAuthTokenEndpointAuthMethod;
  clientUri?: string | null;
}

// The secret hash of each client object this service handed out, so `verifySecret` needs no
// second query while OAuthClient itself never carries the hash.
const secretHashes = new WeakMap<OAuthClient, string | null>();

export function createOAuthClientService({ db, now }: ServiceContext) {
  const { orm, tables } = db;
  const { oauthClients } = tables;

  function toClient(row: typeof oauthClients.$inferSelect): OAuthClient {
    const client: OAuthClient = {
      id: row.id,
      name: row.name,
      redirectUris: JSON.parse(row.redirectUris) as string[],
      tokenEndpointAuthMethod: row.tokenEndpointAuthMethod,
      clientUri: row.clientUri,
      createdAt: iso(row.createdAt)!,
    };
    secretHashes.set(client, row.secretHash);
    return client;
  }

  return {
    /** Registers a client; `secret` is null for a public client ("none") and given out only here. */
    async register(input: OAuthClientRegistration): Promise<{ client: OAuthClient; secret: string | null }> {
      if (!OAUTH_TOKEN_ENDPOINT_AUTH_METHODS.includes(input.tokenEndpointAuthMethod)) {
        throw invalid(`token_endpoint_auth_method must be one of ${OAUTH_TOKEN_ENDPOINT_AUTH_METHODS.join(", ")}.`);
      }
      if (input.redirectUris.length === 0) throw invalid("A client needs at least one redirect URI.");
      const secret = input.tokenEndpointAuthMethod === "none" ? null : randomToken();
      const row = {
        id: OAUTH_CLIENT_ID_PREFIX + randomToken(16),
        secretHash: secret === null ? null : hashToken(secret),
        name: input.name,
        redirectUris: JSON.stringify(input.redirectUris),
        tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
        clientUri: input.clientUri ?? null,
        createdAt: now(),
      };
      await orm.insert(oauthClients).values(row);
      return { client: toClient(row), secret };
    },

    /**
     * Records a client known from its metadata document (id = the document URL, public, no
     * secret), so grants can refer to it and the connections page can name it; the document
     * stays the authority on its redirect URIs. Written only when something changed.
     */
    async recordMetadataDocumentClient(input: { id: string; name: string; redirectUris: readonly string[]; clientUri: string | null }): Promise<void> {
      const fields = { name: input.name, redirectUris: JSON.stringify(input.redirectUris), clientUri: input.clientUri, secretHash: null, tokenEndpointAuthMethod: "none" as const };
      const existing = (await orm.select().from(oauthClients).where(eq(oauthClients.id, input.id)))[0];
      if (existing && existing.name === fields.name && existing.redirectUris === fields.redirectUris && existing.clientUri === fields.clientUri && existing.tokenEndpointAuthMethod === "none") return;
      await orm
        .insert(oauthClients)
        .values({ id: input.id, createdAt: now(), ...fields })
        .onConflictDoUpdate({ target: oauthClients.id, set: fields });
    },

    /** The client with this id, or null. */
    async find(clientId: string): Promise<OAuthClient | null> {
      const row = (await orm.select().from(oauthClients).where(eq(oauthClients.id, clientId)))[0];
      return row ? toClient(row) : null;
    },

    /**
     * True when `secret` is the client's secret (hashes compared in constant time). Always false
     * for a public client, and for a client object not obtained from `find` or `register`.
     */
    verifySecret(client: OAuthClient, secret: string): boolean {
      const storedHash = secretHashes.get(client);
      if (!storedHash) return false;
      return matchesHash(secret, storedHash);
    },
  };
}

export type OAuthClientService = ReturnType<typeof createOAuthClientService>;
