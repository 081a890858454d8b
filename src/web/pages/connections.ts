/** /settings/connections: the OAuth clients the user allowed, and their revocation. */
import { html, type SafeHtml } from "../html.ts";
import { layout } from "../layout.ts";
import type { SignedInUser } from "../web-auth.ts";
import { time } from "./format.ts";

/** One connection as the page shows it (an active grant of services.oauthGrants). */
export interface ConnectionView {
  id: string;
  clientName: string;
  organizationName: string;
  organizationSlug: string;
  scopes: string[];
  createdAt: string | Date;
  lastUsedAt: string | Date | null;
}

export interface ConnectionsPageOptions {
  user: SignedInUser;
  /** Null when the built-in OAuth server is off: the page says so instead of listing. */
  connections: ConnectionView[] | null;
  csrfToken: string;
  signOutToken: string | null;
  notice?: string | null;
  error?: string | null;
}

function connectionCard(connection: ConnectionView, csrfToken: string): SafeHtml {
  return html`<li>
<h3>${connection.clientName}</h3>
<dl class="facts">
<dt>Organization</dt><dd>${connection.organizationName} (${connection.organizationSlug})</dd>
<dt>Scopes</dt><dd>${connection.scopes.join(" ")}</dd>
<dt>Connected</dt><dd>${time(connection.createdAt)}</dd>
<dt>Last used</dt><dd>${time(connection.lastUsedAt)}</dd>
</dl>
<form method="post" action="/settings/connections/revoke">
<input type="hidden" name="csrf_token" value="${csrfToken}">
<input type="hidden" name="id" value="${connection.id}">
<button type="submit" class="secondary">Revoke “${connection.clientName}”</button>
</form>
</li>`;
}

export function connectionsPage({ user, connections, csrfToken, signOutToken, notice = null, error = null }: ConnectionsPageOptions): string {
  const content =
    connections === null
      ? html`<p>The built-in OAuth server is off on this server (it runs when MCP_AUTH_ENABLED and MCP_OAUTH_ENABLED are both on), so no client connects through it. Use an API key instead.</p>`
      : connections.length === 0
        ? html`<p class="muted">No client is connected. A client connects when you allow it on the consent page after it asks for access.</p>`
        : html`<p>Revoking a connection signs that client out at once; it must ask for your consent again.</p>
<ul class="cards">${connections.map((connection) => connectionCard(connection, csrfToken))}</ul>`;
  const body = html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
${error ? html`<p class="error" role="alert">${error}</p>` : ""}
${content}`;
  return layout({ title: "Connections", body, user, signOutToken, current: "connections" });
}
