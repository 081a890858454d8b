/**
 * The authorization endpoint (OAuth 2.1 §4.1). GET checks the request, sends a signed-out user to
 * /signin and back, and shows the consent page; POST is the user's answer from that page, with its
 * CSRF token: Deny returns `access_denied`, Approve records the grant in the chosen organization
 * and returns a single-use code. Every answer to the client carries `state` and `iss` (RFC 9207).
 */
import { Elysia } from "elysia";
import { log } from "../log.ts";
import type { Services } from "../services/index.ts";
import { consentPage } from "../web/pages/consent.ts";
import { errorPage } from "../web/pages/error.ts";
import { htmlResponse, securityHeaders, seeOther } from "../web/respond.ts";
import type { SignedInUser, WebAuth } from "../web/web-auth.ts";
import { checkAuthorizationRequest, redirectWith, requestParams, type AuthorizationRequest, type AuthorizationRequestCheck } from "./authorization-request.ts";
import { readForm, singleValued } from "./form.ts";
import { SCOPE_DESCRIPTIONS } from "./scopes.ts";
import type { ClientDirectory } from "./clients.ts";
import type { OAuthUrls } from "./urls.ts";

const AUTHORIZE_PATH = "/oauth/authorize";

export interface AuthorizationEndpointOptions {
  services: Services;
  clients: ClientDirectory;
  urls: OAuthUrls;
  webAuth: WebAuth;
}

/** A 303 to the client's redirect URI, which is off this site: only after the client and the URI were checked. */
function redirectToClient(location: string): Response {
  return new Response(null, { status: 303, headers: { ...securityHeaders([location]), Location: location } });
}

/** Where the redirect URI leads, as the consent page names it: its host, or the app scheme of a native client. */
function redirectTarget(uri: string): string {
  const url = new URL(uri);
  return url.protocol === "http:" || url.protocol === "https:" ? url.host : `${url.protocol}//${url.host}`.replace(/\/\/$/, "");
}

/** True for an http://localhost-style redirect: any program on the user's machine can listen there. */
function isLoopbackRedirect(uri: string): boolean {
  const url = new URL(uri);
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

export function authorizationEndpoint({ services, clients, urls, webAuth }: AuthorizationEndpointOptions) {
  const signIn = (request: AuthorizationRequest) => seeOther(webAuth.signinUrl(`${AUTHORIZE_PATH}?${new URLSearchParams(requestParams(request))}`));

  function refusal(check: Exclude<AuthorizationRequestCheck, { ok: true }>): Response {
    return "page" in check ? errorPage(check.page) : redirectToClient(check.redirect);
  }

  function showConsent(httpRequest: Request, request: AuthorizationRequest, user: SignedInUser): Response {
    if (user.organizations.length === 0) {
      return errorPage({ status: 403, title: "No organization to connect", message: "Your account is not a member of any organization yet; ask an administrator to add you, then connect again." });
    }
    const csrf = webAuth.csrfToken(httpRequest);
    const selected = user.organizations.some((org) => org.id === user.defaultOrganizationId) ? user.defaultOrganizationId! : user.organizations[0]!.id;
    const page = consentPage({
      user,
      clientName: request.client.name,
      redirectHost: redirectTarget(request.redirectUri),
      documentHost: request.documentHost,
      redirectsToThisMachine: isLoopbackRedirect(request.redirectUri),
      scopes: request.scopes.map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
      organizations: user.organizations,
      selectedOrganizationId: selected,
      hidden: requestParams(request),
      csrfToken: csrf.token,
      action: AUTHORIZE_PATH,
    });
    return htmlResponse(page, { setCookie: csrf.setCookie, redirectTargets: [request.redirectUri] });
  }

  async function answer(httpRequest: Request, params: Record<string, string>): Promise<Response> {
    const check = await checkAuthorizationRequest(clients, urls, params);
    if (!check.ok) return refusal(check);
    const { request } = check;
    if (!webAuth.verifyCsrf(httpRequest, params.csrf_token ?? null)) {
      return errorPage({
        status: 403,
        title: "This form has expired",
        message: "The approval could not be verified (its security token is missing or expired). Nothing was approved; start the connection again from your application.",
      });
    }
    const user = await webAuth.currentUser(httpRequest);
    if (!user) return signIn(request);
    if (params.decision === "deny") {
      return redirectToClient(redirectWith(request.redirectUri, { error: "access_denied", error_description: "The user denied the request.", state: request.state }, urls.issuer));
    }
    if (params.decision !== "approve") return errorPage({ status: 400, title: "Approve or deny", message: "The form did not say whether you approve; go back and press Approve or Deny." });
    const organizationId = params.organization_id ?? (user.organizations.length === 1 ? user.organizations[0]!.id : undefined);
    if (!organizationId || !user.organizations.some((org) => org.id === organizationId)) {
      return errorPage({ status: 400, title: "Choose an organization", message: "Choose one of your organizations for this connection, then approve again." });
    }
    const { code, grantId } = await services.oauthGrants.issueCode({
      clientId: request.client.id,
      userId: user.id,
      organizationId,
      scopes: request.scopes,
      resource: request.resource,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
    });
    log.info("oauth grant approved", { grantId, clientId: request.client.id, userId: user.id, organizationId });
    return redirectToClient(redirectWith(request.redirectUri, { code, state: request.state }, urls.issuer));
  }

  return new Elysia({ name: "oauth-authorize" })
    .get(AUTHORIZE_PATH, async function showAuthorization({ request }) {
      const query = singleValued(new URL(request.url).searchParams);
      if (!query.ok) return errorPage({ status: 400, title: "This sign-in link does not work", message: `The link is malformed: ${query.reason}. Start the connection again from your application.` });
      const check = await checkAuthorizationRequest(clients, urls, query.params);
      if (!check.ok) return refusal(check);
      const user = await webAuth.currentUser(request);
      return user ? showConsent(request, check.request, user) : signIn(check.request);
    })
    .post(AUTHORIZE_PATH, async function decideAuthorization({ request }) {
      const form = await readForm(request);
      if (!form.ok) return errorPage({ status: 400, title: "This form does not work", message: `The form could not be read: ${form.reason}. Start the connection again from your application.` });
      return answer(request, form.params);
    });
}
