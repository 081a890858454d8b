/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, MCP authorization
 * 2025-11-25 §Client ID Metadata Documents): a client names itself with an https URL, and the
 * document at that URL is its registration. The URL must be https with a path, without dot
 * segments, fragment or credentials (§3); the document must be JSON naming that exact URL as its
 * `client_id`, with valid metadata (the same rules as dynamic registration) and no secret, since a
 * public document cannot keep one (§4.1). Documents are kept as HTTP caching allows, in a bounded
 * memory cache; fetches run a few at a time, so a flood of invented URLs cannot make this server
 * flood others.
 */
import * as v from "valibot";
import { checkClientMetadata, clientMetadataEntries, describeIssue, type ApplicationType } from "./client-metadata.ts";
import { DocumentFetchError, fetchDocument, type DocumentFetchOptions } from "./document-fetch.ts";

export const CLIENT_ID_URL_MAX_LENGTH = 2000;
/** Documents kept in memory; each is at most DOCUMENT_MAX_BYTES of JSON, held parsed. */
const DEFAULT_CACHE_ENTRIES = 1_000;
/** Freshness when the answer says nothing about caching, and the most any answer may ask for. */
const DEFAULT_TTL_SECONDS = 300;
const MAX_TTL_SECONDS = 24 * 3600;
const MAX_CONCURRENT_FETCHES = 8;

export interface ClientMetadataDocument {
  clientId: string;
  clientName: string;
  redirectUris: string[];
  clientUri: string | null;
  applicationType: ApplicationType | null;
  /** The host that published the document (the client_id URL's host), shown on the consent page. */
  host: string;
}

export type DocumentLoad = { ok: true; document: ClientMetadataDocument } | { ok: false; error: "invalid_client" | "temporarily_unavailable"; description: string; reason: string };

/** True when a client_id is meant as a metadata document URL (any absolute URL; registered ids are never URLs). */
export function looksLikeClientIdUrl(clientId: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(clientId);
}

/** Why `clientId` is not a usable document URL (§3), or null when it is. */
export function clientIdUrlProblem(clientId: string): string | null {
  if (clientId.length > CLIENT_ID_URL_MAX_LENGTH) return `is longer than ${CLIENT_ID_URL_MAX_LENGTH} characters`;
  if (!URL.canParse(clientId)) return "is not a URL";
  const url = new URL(clientId);
  if (url.protocol !== "https:") return "must use https://";
  if (url.username || url.password) return "may not carry a user name or password";
  if (clientId.includes("#")) return "may not have a fragment";
  const path = clientId
    .slice(clientId.indexOf("//") + 2)
    .replace(/^[^/?]*/, "")
    .replace(/\?.*$/, "");
  if (path === "" || path === "/") return "must have a path, such as https://app.example/client.json";
  if (path.split("/").some((segment) => segment === "." || segment === ".." || /^%2e(%2e)?$/i.test(segment) || /^\.%2e$|^%2e\.$/i.test(segment))) return "may not have . or .. path segments";
  if (url.href !== clientId) return `is not in its normal form (${url.href})`;
  return null;
}

const documentSchema = v.object({
  ...clientMetadataEntries,
  client_id: v.string("must be a string"),
  client_name: v.pipe(clientMetadataEntries.client_name.wrapped, v.minLength(1, "must not be empty")),
  token_endpoint_auth_method: v.optional(v.literal("none", 'must be "none": a public document cannot hold a client secret, and private_key_jwt is not supported'), "none"),
  client_secret: v.optional(v.undefined("must not be present: a public document cannot hold a client secret")),
});

/** Seconds the answer may be reused (RFC 9111 §4.2.1): none for no-store/no-cache, else max-age less Age, else Expires, else a default; capped. */
export function freshnessSeconds(headers: Headers, nowMs: number): number {
  const cacheControl = (headers.get("cache-control") ?? "").toLowerCase();
  if (/(^|[,\s])(no-store|no-cache)\b/.test(cacheControl)) return 0;
  const maxAge = /(?:^|[,\s])max-age\s*=\s*"?(\d+)/.exec(cacheControl);
  const age = Number(headers.get("age") ?? 0) || 0;
  let seconds = DEFAULT_TTL_SECONDS;
  if (maxAge) seconds = Number(maxAge[1]) - age;
  else if (headers.has("expires")) {
    const expires = Date.parse(headers.get("expires")!);
    const date = Date.parse(headers.get("date") ?? "") || nowMs;
    seconds = Number.isNaN(expires) ? 0 : Math.floor((expires - date) / 1000);
  }
  return Math.max(0, Math.min(seconds, MAX_TTL_SECONDS));
}

export interface ClientMetadataDocumentOptions {
  fetch?: DocumentFetchOptions;
  cacheEntries?: number;
  now?: () => number;
}

export function createClientMetadataDocuments({ fetch: fetchOptions = {}, cacheEntries = DEFAULT_CACHE_ENTRIES, now = Date.now }: ClientMetadataDocumentOptions = {}) {
  const cache = new Map<string, { document: ClientMetadataDocument; untilMs: number }>();
  const inFlight = new Map<string, Promise<DocumentLoad>>();
  const refuse = (description: string, reason: string): DocumentLoad => ({ ok: false, error: "invalid_client", description, reason });

  async function fetchAndCheck(clientId: string): Promise<DocumentLoad> {
    let answer;
    try {
      answer = await fetchDocument(new URL(clientId), fetchOptions);
    } catch (error) {
      if (!(error instanceof DocumentFetchError)) throw error;
      return refuse("The client's metadata document could not be fetched.", `${clientId}: ${error.message}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(answer.body));
    } catch {
      return refuse("The client's metadata document is not JSON.", `${clientId}: not UTF-8 JSON`);
    }
    const parsed = v.safeParse(documentSchema, body);
    if (!parsed.success) return refuse(`The client's metadata document is invalid: ${describeIssue(parsed.issues)}`, `${clientId}: ${describeIssue(parsed.issues)}`);
    const metadata = parsed.output;
    // §4.1: the document speaks for exactly this URL, compared as strings.
    if (metadata.client_id !== clientId)
      return refuse("The client's metadata document names another client_id.", `${clientId}: document client_id ${JSON.stringify(metadata.client_id.slice(0, 200))}`);
    const check = checkClientMetadata(metadata);
    if (!check.ok) return refuse(`The client's metadata document is invalid: ${check.message}`, `${clientId}: ${check.message}`);
    const document: ClientMetadataDocument = {
      clientId,
      clientName: metadata.client_name,
      redirectUris: metadata.redirect_uris,
      clientUri: metadata.client_uri ?? null,
      applicationType: metadata.application_type ?? null,
      host: new URL(clientId).host,
    };
    const seconds = freshnessSeconds(answer.headers, now());
    if (seconds > 0) {
      if (cache.size >= cacheEntries) cache.delete(cache.keys().next().value!);
      cache.set(clientId, { document, untilMs: now() + seconds * 1000 });
    }
    return { ok: true, document };
  }

  return {
    /** The document of `clientId` (a URL), from the cache while fresh, else fetched and checked. */
    async load(clientId: string): Promise<DocumentLoad> {
      const problem = clientIdUrlProblem(clientId);
      if (problem) return refuse(`A client_id URL ${problem}.`, `client_id ${JSON.stringify(clientId.slice(0, 200))} ${problem}`);
      const cached = cache.get(clientId);
      if (cached && cached.untilMs > now()) return { ok: true, document: cached.document };
      cache.delete(clientId);
      const pending = inFlight.get(clientId);
      if (pending) return pending;
      if (inFlight.size >= MAX_CONCURRENT_FETCHES)
        return {
          ok: false,
          error: "temporarily_unavailable",
          description: "Too many client metadata documents are being fetched; try again shortly.",
          reason: `${clientId}: ${inFlight.size} fetches in flight`,
        };
      const loading = fetchAndCheck(clientId).finally(() => inFlight.delete(clientId));
      inFlight.set(clientId, loading);
      return loading;
    },
  };
}

export type ClientMetadataDocuments = ReturnType<typeof createClientMetadataDocuments>;
