/**
 * The refusals of RFC 6750 §3 as docs/authentication.md#refusals words them: a generic 401 `invalid_token` whatever went
 * wrong (the reason stays in the server log), naming the RFC 9728 metadata and the scopes a client
 * should ask for (MCP authorization §Scope selection strategy), and a 403 `insufficient_scope`
 * naming every scope the refused operation needs, so one step-up authorization is enough.
 * Neither ever names `offline_access`: refresh tokens are not a resource requirement (SEP-2207).
 */

const REALM = 'Bearer realm="superset"';
const GENERIC_DESCRIPTION = "Authentication required";

function json(status: number, body: unknown, challenge: string): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "WWW-Authenticate": challenge } });
}

/** The scopes of the lists, each once, in order, without offline_access. */
export function challengeScopes(...lists: (readonly string[])[]): string[] {
  return [...new Set(lists.flat())].filter((scope) => scope !== "offline_access");
}

const metadataParam = (resourceMetadata?: string | null) => (resourceMetadata ? `, resource_metadata="${resourceMetadata}"` : "");

/** 401 with `WWW-Authenticate`; `resourceMetadata` is the RFC 9728 URL when the built-in OAuth server publishes one, `scopes` what a client should ask for. */
export function unauthorized(resourceMetadata?: string | null, scopes: readonly string[] = []): Response {
  const named = challengeScopes(scopes);
  const scope = named.length ? `, scope="${named.join(" ")}"` : "";
  return json(
    401,
    { error: "invalid_token", error_description: GENERIC_DESCRIPTION },
    `${REALM}, error="invalid_token", error_description="${GENERIC_DESCRIPTION}"${metadataParam(resourceMetadata)}${scope}`,
  );
}

/** 403 naming all the scopes the request needs (RFC 6750 §3.1; MCP authorization §Scope challenge handling). */
export function insufficientScope(scopes: readonly string[], resourceMetadata?: string | null): Response {
  const needed = challengeScopes(scopes).join(" ");
  const description = `This request needs the scope ${needed}, which the credential does not carry`;
  return json(
    403,
    { error: "insufficient_scope", error_description: `${description}.`, scope: needed },
    `${REALM}, error="insufficient_scope", scope="${needed}", error_description="${description}"${metadataParam(resourceMetadata)}`,
  );
}
