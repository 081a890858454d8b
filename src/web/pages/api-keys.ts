/**
 * /settings/api-keys: the user's keys in one organization (every member's for an admin), the form
 * that creates one, the page that shows a new key once, and the confirmation before a revocation.
 */
import { TOOL_SCOPES, type ToolScope } from "../../auth/scopes.ts";
import type { ApiKeyInfo } from "../../services/api-keys.ts";
import { html, type SafeHtml } from "../html.ts";
import { layout } from "../layout.ts";
import type { SignedInUser } from "../web-auth.ts";
import { describedBy, fieldError, time } from "./format.ts";
import type { FieldErrors } from "../form.ts";

/** The choices of the expiry select: days, or "never". */
export const API_KEY_EXPIRY_CHOICES = ["never", "30", "90", "365"] as const;
export type ApiKeyExpiryChoice = (typeof API_KEY_EXPIRY_CHOICES)[number];
const EXPIRY_LABELS: Record<ApiKeyExpiryChoice, string> = { never: "Never", "30": "In 30 days", "90": "In 90 days", "365": "In 365 days" };
export const DEFAULT_API_KEY_EXPIRY: ApiKeyExpiryChoice = "90";

const SCOPE_LABELS: Record<ToolScope, string> = {
  "mcp:read": "mcp:read — read-only tools",
  "mcp:write": "mcp:write — tools that create and change things",
};

type Organization = SignedInUser["organizations"][number];

/** What the create form shows again after a refusal. */
export interface ApiKeyFormValues {
  name: string;
  scopes: string[];
  expires: string;
}

export interface ApiKeysPageOptions {
  user: SignedInUser;
  organization: Organization;
  keys: ApiKeyInfo[];
  csrfToken: string;
  signOutToken: string | null;
  /** An admin sees every member's keys; each then names its user. */
  showOwners: boolean;
  /** The key just created: shown once, never again. */
  created?: { key: string; apiKey: ApiKeyInfo } | null;
  notice?: string | null;
  errors?: FieldErrors;
  values?: ApiKeyFormValues;
}

function organizationSwitcher(user: SignedInUser, current: Organization): SafeHtml {
  if (user.organizations.length < 2) return html`<p>Organization: <strong>${current.name}</strong> (${current.slug})</p>`;
  const options = user.organizations.map(
    (organization) => html`<option value="${organization.slug}"${organization.id === current.id ? html` selected` : ""}>${organization.name} (${organization.slug})</option>`,
  );
  return html`<form method="get" action="/settings/api-keys" class="field">
<label for="organization">Organization</label>
<select id="organization" name="organization">${options}</select>
<div class="actions"><button type="submit" class="secondary">Show its keys</button></div>
</form>`;
}

function createdKey({ key, apiKey }: { key: string; apiKey: ApiKeyInfo }): SafeHtml {
  return html`<section aria-labelledby="new-key-heading" class="notice">
<h2 id="new-key-heading">Your new API key “${apiKey.name}”</h2>
<p><strong>Copy it now: you won't see it again.</strong> Only its prefix is kept.</p>
<label for="new-key">API key</label>
<input type="text" id="new-key" class="secret" value="${key}" readonly aria-describedby="new-key-hint">
<p class="hint" id="new-key-hint">Use it as <code>Authorization: Bearer …</code> or <code>X-API-Key</code>.</p>
<div class="actions"><button type="button" data-copy="new-key" data-status="copy-status" hidden>Copy</button></div>
<p role="status" id="copy-status"></p>
</section>`;
}

function keyCard(apiKey: ApiKeyInfo, organization: Organization, showOwners: boolean): SafeHtml {
  return html`<li>
<h3>${apiKey.name}</h3>
<dl class="facts">
<dt>Prefix</dt><dd><code>${apiKey.prefix}…</code></dd>
${showOwners ? html`<dt>User</dt><dd>${apiKey.username}</dd>` : ""}
<dt>Scopes</dt><dd>${apiKey.scopes.join(" ")}</dd>
<dt>Created</dt><dd>${time(apiKey.createdAt)}</dd>
<dt>Last used</dt><dd>${time(apiKey.lastUsedAt)}</dd>
<dt>Expires</dt><dd>${time(apiKey.expiresAt)}</dd>
</dl>
<form method="get" action="/settings/api-keys/revoke">
<input type="hidden" name="organization" value="${organization.slug}">
<input type="hidden" name="id" value="${apiKey.id}">
<button type="submit" class="secondary">Revoke “${apiKey.name}”…</button>
</form>
</li>`;
}

function createForm(organization: Organization, csrfToken: string, errors: FieldErrors, values: ApiKeyFormValues): SafeHtml {
  const scopeBoxes = TOOL_SCOPES.map(
    (scope) => html`<label><input type="checkbox" name="scope" value="${scope}"${values.scopes.includes(scope) ? html` checked` : ""}> <span>${SCOPE_LABELS[scope]}</span></label>`,
  );
  const expiries = API_KEY_EXPIRY_CHOICES.map((choice) => html`<option value="${choice}"${choice === values.expires ? html` selected` : ""}>${EXPIRY_LABELS[choice]}</option>`);
  return html`<form method="post" action="/settings/api-keys" novalidate>
<input type="hidden" name="csrf_token" value="${csrfToken}">
<input type="hidden" name="organization" value="${organization.slug}">
${errors.form || errors.organization ? html`<p class="error" role="alert">${errors.form ?? errors.organization}</p>` : ""}
<div class="field">
<label for="key-name">Name</label>
<input type="text" id="key-name" name="name" value="${values.name}" maxlength="100"${describedBy("key-name-error", Boolean(errors.name), "key-name-hint")}>
<p class="hint" id="key-name-hint">Where the key is used, e.g. “laptop” or “CI”. Left empty, it is named after today's date.</p>
${fieldError("key-name-error", errors.name)}
</div>
<fieldset${describedBy("key-scope-error", Boolean(errors.scope))}>
<legend>Scopes</legend>
${scopeBoxes}
${fieldError("key-scope-error", errors.scope)}
</fieldset>
<div class="field">
<label for="key-expires">Expires</label>
<select id="key-expires" name="expires"${describedBy("key-expires-error", Boolean(errors.expires))}>${expiries}</select>
${fieldError("key-expires-error", errors.expires)}
</div>
<div class="actions"><button type="submit">Create API key</button></div>
</form>`;
}

export function apiKeysPage(options: ApiKeysPageOptions): string {
  const { user, organization, keys, csrfToken, signOutToken, showOwners, created = null, notice = null, errors = {} } = options;
  const values = options.values ?? { name: "", scopes: [...TOOL_SCOPES], expires: DEFAULT_API_KEY_EXPIRY };
  const list = keys.length ? html`<ul class="cards">${keys.map((apiKey) => keyCard(apiKey, organization, showOwners))}</ul>` : html`<p class="muted">No API keys in this organization yet.</p>`;
  const body = html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
${created ? createdKey(created) : ""}
${organizationSwitcher(user, organization)}
<h2>${showOwners ? "Keys in this organization" : "Your keys"}</h2>
${list}
<h2>Create an API key</h2>
${createForm(organization, csrfToken, errors, values)}`;
  return layout({ title: "API keys", body, user, signOutToken, current: "api-keys", copyScript: Boolean(created) });
}

export interface RevokeApiKeyPageOptions {
  user: SignedInUser;
  organization: Organization;
  apiKey: ApiKeyInfo;
  csrfToken: string;
  signOutToken: string | null;
}

/** The confirmation step before a key is revoked. */
export function revokeApiKeyPage({ user, organization, apiKey, csrfToken, signOutToken }: RevokeApiKeyPageOptions): string {
  const body = html`<p>Revoke the API key <strong>${apiKey.name}</strong> (<code>${apiKey.prefix}…</code>, user ${apiKey.username}) in ${organization.name}?</p>
<p>Every client using it is refused from its next request on. This cannot be undone.</p>
<form method="post" action="/settings/api-keys/revoke">
<input type="hidden" name="csrf_token" value="${csrfToken}">
<input type="hidden" name="organization" value="${organization.slug}">
<input type="hidden" name="id" value="${apiKey.id}">
<div class="actions">
<button type="submit" class="danger">Revoke API key</button>
<a href="/settings/api-keys?organization=${encodeURIComponent(organization.slug)}">Cancel</a>
</div>
</form>`;
  return layout({ title: "Revoke API key?", body, user, signOutToken, current: "api-keys" });
}
