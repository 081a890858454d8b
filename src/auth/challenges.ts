/**
 * The refusals of RFC 6750 §3 as auth.md words them: a generic 401 `invalid_token` whatever went
 * wrong (the reason stays in the server log), and a 403 `insufficient_scope` naming the scopes.
 */

const REALM = 'Bearer realm="superset"';
const GENERIC_DESCRIPTION = "Authentication required";

function json(status: number, body: unknown, challenge: string): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "WWW-Authenticate": challenge } });
}

/** 401 with `WWW-Authenticate`; `resourceMetadata` is the RFC 9728 URL, when the built-in OAuth server publishes one. */
export function unauthorized(resourceMetadata?: string | null): Response {
  const metadata = resourceMetadata ? `, resource_metadata="${resourceMetadata}"` : "";
  return json(401, { error: "invalid_token", error_description: GENERIC_DESCRIPTION }, `${REALM}, error="invalid_token", error_description="${GENERIC_DESCRIPTION}"${metadata}`);
}

/** 403 naming the scopes the request needs (RFC 6750 §3.1; MCP authorization §Scope challenge). */
export function insufficientScope(scopes: readonly string[]): Response {
  const needed = scopes.join(" ");
  const description = `This request needs the scope ${needed}, which the credential does not carry`;
  return json(403, { error: "insufficient_scope", error_description: `${description}.`, scope: needed }, `${REALM}, error="insufficient_scope", scope="${needed}", error_description="${description}"`);
}
