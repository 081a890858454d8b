/**
 * Who is calling the token or revocation endpoint (RFC 6749 §2.3, OAuth 2.1 §2.4): a public client
 * names itself with `client_id`; a confidential one proves itself with its secret in HTTP Basic
 * (client_secret_basic) or in the body (client_secret_post), exactly as it registered. A client
 * whose id is its metadata document URL is public: it names itself, and the document must load.
 */
import { InvalidClientError, InvalidRequestError, type OAuthError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import { TemporarilyUnavailableError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import type { OAuthClient } from "../services/oauth-clients.ts";
import type { ClientDirectory } from "./clients.ts";

export type ClientAuthentication = { ok: true; client: OAuthClient } | { ok: false; error: OAuthError; reason: string; basic: boolean };

/** The Basic credentials: client id and secret, each form-urlencoded before joining (RFC 6749 §2.3.1). */
function basicCredentials(header: string | null): { id: string; secret: string } | null | "malformed" {
  if (!header) return null;
  const match = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
  if (!match) return "malformed";
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "malformed";
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")) };
  } catch {
    return "malformed";
  }
}

export async function authenticateClient(clients: ClientDirectory, request: Request, params: Record<string, string>): Promise<ClientAuthentication> {
  const basic = basicCredentials(request.headers.get("authorization"));
  const refuse = (reason: string, error: OAuthError = new InvalidClientError("Client authentication failed.")): ClientAuthentication => ({ ok: false, error, reason, basic: basic !== null });
  if (basic === "malformed") return refuse("the Authorization header is not HTTP Basic with client id and secret");
  if (basic && params.client_secret !== undefined) return refuse("the client secret is given both in HTTP Basic and in the body", new InvalidRequestError("Use one client authentication method."));
  const clientId = basic?.id ?? params.client_id;
  if (!clientId) return refuse("no client_id", new InvalidRequestError("client_id is required."));
  if (basic && params.client_id !== undefined && params.client_id !== basic.id) return refuse("client_id in the body differs from HTTP Basic");

  const found = await clients.find(clientId);
  if (!found.ok) {
    if (found.unavailable) return refuse(found.reason, new TemporarilyUnavailableError(found.description));
    return refuse(found.reason, new InvalidClientError(found.unknown ? "Client authentication failed." : found.description));
  }
  const { client } = found;
  const secret = basic?.secret ?? params.client_secret;
  const method = basic ? "client_secret_basic" : secret !== undefined ? "client_secret_post" : "none";
  if (method !== client.tokenEndpointAuthMethod) return refuse(`client ${client.id} registered ${client.tokenEndpointAuthMethod} but authenticated with ${method}`);
  if (secret !== undefined && !clients.verifySecret(client, secret)) return refuse(`wrong secret for client ${client.id}`);
  return { ok: true, client };
}
