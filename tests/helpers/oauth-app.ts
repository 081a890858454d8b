/**
 * The built-in OAuth server of an in-memory app, driven through `app.handle` the way a client and
 * a signed-in browser do: register a client, open the authorization URL with a session cookie,
 * post the consent form with its CSRF token, and exchange the code.
 */
import type { ResolvedConfig } from "../../src/config/schema.ts";
import { createTestApp, type TestApp } from "./app.ts";
import { formValues, parseForms, PASSWORD, pkcePair } from "./oauth.ts";

export { PASSWORD, pkcePair };

export const ISSUER = "http://127.0.0.1:5008";
export const MCP_RESOURCE = `${ISSUER}/mcp`;
export const REDIRECT_URI = "http://127.0.0.1:33418/callback";
export const AUTH_ON: Partial<ResolvedConfig> = { MCP_AUTH_ENABLED: true, MCP_DEV_USERNAME: null, SECRET_KEY: "k".repeat(48) };

export interface OAuthApp extends TestApp {
  user: { id: string; username: string };
  organizations: { acme: string; globex: string };
  /** A browser signed in as the user: its Cookie header. */
  cookie: string;
}

/** An app with auth on (so the OAuth server), and alice, a member of two organizations, signed in. */
export async function createOAuthApp(overrides: Partial<ResolvedConfig> = {}, options: Parameters<typeof createTestApp>[1] = {}): Promise<OAuthApp> {
  const t = await createTestApp({ ...AUTH_ON, ...overrides }, options);
  const { accounts, webSessions } = t.services;
  const acme = await accounts.createOrganization({ name: "Acme", slug: "acme" });
  const globex = await accounts.createOrganization({ name: "Globex <b>", slug: "globex" });
  const user = await accounts.createUser({ username: "alice", name: "Alice", password: PASSWORD });
  await accounts.setMembership("alice", "acme", "member");
  await accounts.setMembership("alice", "globex", "admin");
  const session = await webSessions.create(user.id, 3600);
  return { ...t, user: { id: user.id, username: "alice" }, organizations: { acme: acme.id, globex: globex.id }, cookie: `${t.config.MCP_SESSION_CONFIG.SESSION_COOKIE_NAME}=${session.token}` };
}

export function form(fields: Record<string, string>): RequestInit {
  return { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() };
}

export async function post(t: TestApp, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const init = form(fields);
  return t.app.handle(new Request(`${ISSUER}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } }));
}

export async function registerClient(t: TestApp, metadata: Record<string, unknown> = {}): Promise<{ client_id: string; client_secret?: string } & Record<string, unknown>> {
  const response = await t.app.handle(
    new Request(`${ISSUER}/oauth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: "Test client", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], ...metadata }),
    }),
  );
  if (response.status !== 201) throw new Error(`registration answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { client_id: string };
}

export function authorizeParams(clientId: string, challenge: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st-1",
    scope: "mcp:read mcp:write",
    resource: MCP_RESOURCE,
    ...extra,
  };
}

export function getAuthorize(t: TestApp, params: Record<string, string>, cookie?: string): Promise<Response> {
  return t.app.handle(new Request(`${ISSUER}/oauth/authorize?${new URLSearchParams(params)}`, { headers: cookie ? { Cookie: cookie } : {} }));
}

/** What the consent page's form posts as it stands (its hidden fields, CSRF token and preselected organization). */
export async function consentFields(page: string): Promise<Record<string, string>> {
  const form = (await parseForms(page)).find((candidate) => candidate.method === "post" && candidate.action === "/oauth/authorize");
  if (!form) throw new Error("the page has no consent form");
  return formValues(form);
}

/** Opens the consent page as the signed-in user and answers it; returns the redirect Location. */
export async function consent(t: OAuthApp, params: Record<string, string>, answer: { decision: "approve" | "deny"; organizationId?: string }): Promise<URL> {
  const page = await getAuthorize(t, params, t.cookie);
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${await page.text()}`);
  const fields = await consentFields(await page.text());
  const response = await post(t, "/oauth/authorize", { ...fields, decision: answer.decision, organization_id: answer.organizationId ?? t.organizations.acme }, { Cookie: t.cookie });
  if (response.status !== 303) throw new Error(`consent answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get("location")!);
}

/** Registration, consent in `organizationId` (to `scope` when given) and the code exchange: the token response. */
export async function authorizeAndExchange(t: OAuthApp, organizationId = t.organizations.acme, scope?: string) {
  const client = await registerClient(t);
  const { verifier, challenge } = pkcePair();
  const location = await consent(t, authorizeParams(client.client_id, challenge, scope === undefined ? {} : { scope }), { decision: "approve", organizationId });
  const response = await post(t, "/oauth/token", {
    grant_type: "authorization_code",
    code: location.searchParams.get("code")!,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    client_id: client.client_id,
    resource: MCP_RESOURCE,
  });
  if (response.status !== 200) throw new Error(`token answered ${response.status}: ${await response.text()}`);
  const tokens = (await response.json()) as { access_token: string; refresh_token: string; expires_in: number; scope: string; token_type: string };
  return { client, tokens, verifier };
}
