/**
 * Client metadata (RFC 7591 §2) as this server reads it, in a registration request and in a
 * Client ID Metadata Document alike: the fields it uses, each bounded, and the redirect-URI rules,
 * including those of `application_type` (OpenID Connect Registration §2, MCP SEP-837). Metadata
 * this server does not use is ignored.
 */
import * as v from "valibot";
import { MAX_REDIRECT_URIS, redirectUriProblem } from "./redirect-uris.ts";
import { parseScopes } from "./scopes.ts";

export const CLIENT_NAME_MAX_LENGTH = 100;
export const APPLICATION_TYPES = ["web", "native"] as const;
export type ApplicationType = (typeof APPLICATION_TYPES)[number];

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The fields both a registration request and a metadata document may carry. */
export const clientMetadataEntries = {
  redirect_uris: v.pipe(
    v.array(v.string("must be strings"), "must be an array of strings"),
    v.minLength(1, "must name at least one URI"),
    v.maxLength(MAX_REDIRECT_URIS, `may name at most ${MAX_REDIRECT_URIS} URIs`),
  ),
  grant_types: v.optional(v.pipe(v.array(v.picklist(["authorization_code", "refresh_token"], "may only be authorization_code and refresh_token")), v.minLength(1)), ["authorization_code"]),
  response_types: v.optional(v.array(v.literal("code", 'may only be "code"')), ["code"]),
  client_name: v.optional(v.pipe(v.string("must be a string"), v.trim(), v.maxLength(CLIENT_NAME_MAX_LENGTH, `must be at most ${CLIENT_NAME_MAX_LENGTH} characters`))),
  client_uri: v.optional(
    v.pipe(
      v.string("must be a string"),
      v.maxLength(2000),
      v.check((uri) => /^https?:\/\//.test(uri) && URL.canParse(uri), "must be an http(s) URL"),
    ),
  ),
  scope: v.optional(v.pipe(v.string("must be a string"), v.maxLength(200))),
  application_type: v.optional(v.picklist(APPLICATION_TYPES, 'must be "web" or "native"')),
};

/**
 * Why `uri` may not be a redirect URI of a client of `type`: a web client returns to an https
 * site that is not this machine; a native one to a loopback http port, a private-use scheme, or
 * an https URL it claims (RFC 8252 §7). Without a type only the general rules apply, as before
 * SEP-837, so clients that never sent one keep working.
 */
export function applicationTypeProblem(type: ApplicationType | undefined, uri: string): string | null {
  if (type === undefined) return null;
  const url = new URL(uri);
  if (type === "web") {
    if (url.protocol !== "https:") return `redirect URI "${uri}" of a web application must use https://`;
    if (LOOPBACK_HOSTS.has(url.hostname)) return `redirect URI "${uri}" of a web application may not be on localhost; a local app registers as application_type "native"`;
  }
  return null;
}

export type MetadataCheck = { ok: true } | { ok: false; error: "invalid_redirect_uri" | "invalid_client_metadata"; message: string };

/** The checks beyond the schema: each redirect URI, its application type, and the scopes. */
export function checkClientMetadata(metadata: { redirect_uris: string[]; application_type?: ApplicationType; scope?: string }): MetadataCheck {
  for (const uri of metadata.redirect_uris) {
    const problem = redirectUriProblem(uri) ?? applicationTypeProblem(metadata.application_type, uri);
    if (problem) return { ok: false, error: "invalid_redirect_uri", message: `The ${problem}.` };
  }
  if (metadata.scope !== undefined && parseScopes(metadata.scope) === null) return { ok: false, error: "invalid_client_metadata", message: "scope may only name mcp:read and mcp:write." };
  return { ok: true };
}

/** The first schema problem as a sentence naming the field. */
export function describeIssue(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): string {
  const issue = issues[0];
  return `${v.getDotPath(issue) ?? "The metadata"} ${issue.message}.`;
}
