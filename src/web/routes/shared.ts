/** What every web route needs: its options, the host check, the signed-in user, and the common refusals. */
import type { BlockList } from "node:net";
import type { ResolvedConfig } from "../../config/schema.ts";
import { logOriginRefusal, originRefusal, type OriginPolicy } from "../../server/pipeline/origin.ts";
import type { Metrics } from "../../metrics/index.ts";
import type { Services } from "../../services/index.ts";
import { csrfTokenOf, readForm, type FormObject } from "../form.ts";
import { errorPage } from "../pages/error.ts";
import { seeOther } from "../respond.ts";
import type { SignedInUser, WebAuth } from "../web-auth.ts";
import type { Store } from "../../store/types.ts";

export interface WebRouteOptions {
  config: ResolvedConfig;
  services: Services;
  webAuth: WebAuth;
  /** The public base URL (MCP_SERVICE_URL or the derived one). */
  publicUrl: string;
  /** MCP_TRUSTED_PROXIES, for the client address the sign-in limiter counts under. */
  trustedProxies: BlockList;
  /** Counts refused sign-in attempts; NO_METRICS when metrics are off. */
  metrics?: Metrics;
  /** The shared store (Redis) the sign-in limiter counts in; a memory store of its own when not given. */
  store?: Store;
}

/**
 * The Host half of the /mcp origin check (DNS-rebinding protection): without it, a page on another
 * site whose name resolves to 127.0.0.1 could read a dev-mode server's pages as the dev user. The
 * Origin half is left out because form posts from these pages carry `Origin: null`
 * (Referrer-Policy no-referrer); their CSRF token is what protects them.
 */
export function foreignHostRefusal({ config, publicUrl }: WebRouteOptions) {
  const policy: OriginPolicy = { bindHost: config.MCP_SERVICE_HOST, publicUrl, allowedOrigins: config.MCP_ALLOWED_ORIGINS, allowedHosts: config.MCP_ALLOWED_HOSTS };
  return function refuseForeignHost({ request }: { request: Request }): Response | undefined {
    const host = request.headers.get("host") ?? new URL(request.url).host;
    const hostOnly = new Request(request.url, { headers: { host } });
    const refusal = originRefusal(hostOnly, policy);
    if (refusal === null) return;
    logOriginRefusal(hostOnly, refusal);
    return errorPage({ status: 403, title: "Forbidden", message: refusal });
  };
}

/**
 * The user of the request, or the answer to give instead: a redirect to sign-in that comes back to
 * `returnTo`, or, in dev mode, the page saying the dev user cannot be used.
 */
export async function signedInUserOr(options: WebRouteOptions, request: Request, returnTo: string): Promise<SignedInUser | Response> {
  const user = await options.webAuth.currentUser(request);
  if (user) return user;
  if (!options.config.MCP_AUTH_ENABLED) {
    return errorPage({
      status: 403,
      title: "Development user unavailable",
      message: `The development user "${options.config.MCP_DEV_USERNAME ?? ""}" (MCP_DEV_USERNAME) does not exist or is disabled; create or enable it with superset users.`,
    });
  }
  return seeOther(options.webAuth.signinUrl(returnTo));
}

/**
 * A signed-in user's form post, read and checked: the user and the fields, or the answer to give
 * instead (sign-in, an unreadable body, or the CSRF refusal that sends them back to `back`).
 */
export async function signedInFormOr(options: WebRouteOptions, request: Request, back: string): Promise<{ user: SignedInUser; fields: FormObject } | Response> {
  const user = await signedInUserOr(options, request, back);
  if (user instanceof Response) return user;
  const fields = await readForm(request);
  if (fields instanceof Response) return fields;
  if (!options.webAuth.verifyCsrf(request, csrfTokenOf(fields))) return csrfRefused(back);
  return { user, fields };
}

/** The path and query of a GET, to come back to after sign-in. */
export const pathOf = (request: Request) => {
  const url = new URL(request.url);
  return `${url.pathname}${url.search}`;
};

/** The refusal of a form whose CSRF token is missing, wrong or expired; nothing was changed. */
export function csrfRefused(back: string): Response {
  return errorPage({
    status: 403,
    title: "Form expired",
    message: "This form was not accepted: it expired or was not sent from this site's own page. Nothing was changed; go back, reload the page and submit it again.",
    back: { href: back, label: "Back to the form" },
  });
}

/** The sign-out form's token on pages of a signed-in user; none in dev mode, where nobody signs out. */
export function signOutTokenFor(config: ResolvedConfig, csrfToken: string): string | null {
  return config.MCP_AUTH_ENABLED ? csrfToken : null;
}
