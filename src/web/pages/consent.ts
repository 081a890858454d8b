/**
 * The consent page of /oauth/authorize: which client asks, where it will send the browser back,
 * what it may do, and in which organization. Approve and Deny post the same form (with the
 * request's parameters as hidden fields and a CSRF token) to `action`.
 */
import { html } from "../html.ts";
import { layout } from "../layout.ts";
import type { SignedInUser } from "../web-auth.ts";

/** The form field naming the organization the user chose. */
export const CONSENT_ORGANIZATION_FIELD = "organization_id";
/** The form field of the button pressed: "approve" or "deny". */
export const CONSENT_DECISION_FIELD = "decision";

export interface ConsentPageOptions {
  user: Pick<SignedInUser, "username" | "name">;
  clientName: string;
  /** The host the browser returns to (the redirect URI's host, or its scheme for a native app). */
  redirectHost: string;
  /** The host that published the client's metadata document, when its client_id is one. */
  documentHost?: string | null;
  /** The redirect is to http://localhost: any program on the user's machine could be listening (CIMD security §Localhost). */
  redirectsToThisMachine?: boolean;
  scopes: { name: string; description: string }[];
  organizations: { id: string; slug: string; name: string }[];
  selectedOrganizationId: string | null;
  /** The authorization request's parameters, posted back as hidden fields. */
  hidden: Record<string, string>;
  csrfToken: string;
  action: string;
  /** A problem with the previous submission (no organization chosen, say). */
  error?: string | null;
}

function organizationPicker(options: ConsentPageOptions) {
  const { organizations, selectedOrganizationId, error } = options;
  if (organizations.length === 0) return html`<p class="error">You belong to no organization yet, so there is nothing to allow; ask an organization admin to add you.</p>`;
  if (organizations.length === 1) {
    const only = organizations[0]!;
    return html`<input type="hidden" name="${CONSENT_ORGANIZATION_FIELD}" value="${only.id}">
<p>Organization: <strong>${only.name}</strong> (${only.slug})</p>`;
  }
  const choices = organizations.map(
    (organization) =>
      html`<label><input type="radio" name="${CONSENT_ORGANIZATION_FIELD}" value="${organization.id}"${organization.id === selectedOrganizationId ? html` checked` : ""} required> <span>${organization.name} <span class="muted">(${organization.slug})</span></span></label>`,
  );
  return html`<fieldset${error ? html` aria-describedby="consent-error"` : ""}>
<legend>Organization it may act in</legend>
${choices}
</fieldset>`;
}

export function consentPage(options: ConsentPageOptions): string {
  const { user, clientName, redirectHost, documentHost = null, redirectsToThisMachine = false, scopes, hidden, csrfToken, action, error = null } = options;
  const hiddenFields = Object.entries(hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  const body = html`${error ? html`<p class="error" id="consent-error" role="alert">${error}</p>` : ""}
<p><strong>${clientName}</strong> wants to use Superset as <strong>${user.name}</strong> (${user.username}).</p>
${documentHost ? html`<p>This application describes itself at <strong>${documentHost}</strong>; its name is its own claim.</p>` : ""}
<p>After you answer, your browser goes back to <strong>${redirectHost}</strong>.</p>
${documentHost && redirectsToThisMachine ? html`<p class="hint">That address is on your own computer: allow only if you have just started this application here.</p>` : ""}
<h2>It will be able to</h2>
<ul class="scopes">${scopes.map((scope) => html`<li><strong>${scope.name}</strong>: ${scope.description}</li>`)}</ul>
<form method="post" action="${action}">
<input type="hidden" name="csrf_token" value="${csrfToken}">
${hiddenFields}
${organizationPicker(options)}
<p class="hint">You can revoke this later under Connections.</p>
<div class="actions">
<button type="submit" name="${CONSENT_DECISION_FIELD}" value="approve">Allow</button>
<button type="submit" name="${CONSENT_DECISION_FIELD}" value="deny" class="secondary" formnovalidate>Deny</button>
</div>
</form>`;
  // The sign-out form shares the session-bound token.
  return layout({ title: `Allow ${clientName} to access Superset?`, body, user, signOutToken: csrfToken });
}
