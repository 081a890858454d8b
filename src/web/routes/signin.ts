/**
 * GET/POST /signin and POST /signout. Every failed sign-in answers the same page with the same
 * sentence, so it never tells whether a username exists (services.accounts.verifyPassword hashes
 * once either way); attempts are limited per address and per username before any check. Each
 * failed attempt is logged at warn with the username, the client address and the reason (which the
 * page never tells), so an operator can see a guessing run or a user locked out; never the password.
 */
import { Elysia } from "elysia";
import * as v from "valibot";
import { log } from "../../log.ts";
import { clientAddress } from "../../server/pipeline/client-address.ts";
import { createMemoryStore } from "../../store/memory.ts";
import { csrfTokenOf, readForm, textField, validateForm } from "../form.ts";
import { safeNextPath } from "../next-path.ts";
import { errorPage } from "../pages/error.ts";
import { SIGNIN_FAILED_MESSAGE, signinPage } from "../pages/signin.ts";
import { htmlResponse, seeOther } from "../respond.ts";
import { createSigninLimiter } from "../signin-limiter.ts";
import { csrfRefused, foreignHostRefusal, type WebRouteOptions } from "./shared.ts";

/** Counters kept for the sign-in limiter; two per recent address or username. */
const SIGNIN_LIMITER_MAX_BUCKETS = 20_000;
/** Longer passwords are refused before hashing (a multi-megabyte one would only cost CPU). */
const PASSWORD_MAX_LENGTH = 1024;
/** Characters of a submitted username kept in the log, so an oversized field cannot flood it. */
const LOGGED_USERNAME_MAX_LENGTH = 100;

const signinSchema = v.object({
  username: textField("The username", 100),
  password: v.optional(v.pipe(v.string("The password was sent more than once."), v.maxLength(PASSWORD_MAX_LENGTH, `The password must be at most ${PASSWORD_MAX_LENGTH} characters.`)), ""),
  next: v.optional(v.string("The form was sent with two return addresses; reload the page and sign in again."), ""),
});

export function signinRoutes(options: WebRouteOptions) {
  const { config, services, webAuth, trustedProxies } = options;
  const limiter = createSigninLimiter({ store: options.store ?? createMemoryStore({ maxEntries: SIGNIN_LIMITER_MAX_BUCKETS }) });

  function logFailure(username: unknown, address: string, reason: string): void {
    log.warn("sign-in failed", { username: typeof username === "string" ? username.slice(0, LOGGED_USERNAME_MAX_LENGTH) : null, address, reason });
  }

  function form(request: Request, next: string, status: number, error: string | null, username = "") {
    const csrf = webAuth.csrfToken(request);
    return htmlResponse(signinPage({ next, csrfToken: csrf.token, username, error }), { status, setCookie: csrf.setCookie });
  }

  return new Elysia({ name: "web-signin" })
    .onBeforeHandle(foreignHostRefusal(options))
    .get("/signin", async function showSignin({ request }) {
      const next = safeNextPath(new URL(request.url).searchParams.get("next"), options.publicUrl);
      // In dev mode the dev user is always signed in, as on /mcp.
      if (!config.MCP_AUTH_ENABLED || (await webAuth.currentUser(request))) return seeOther(next);
      return form(request, next, 200, null);
    })
    .post(
      "/signin",
      async function signIn({ request, server }) {
        if (!config.MCP_AUTH_ENABLED) return seeOther("/settings/api-keys");
        const address = clientAddress(request, server, trustedProxies);
        const fields = await readForm(request);
        if (fields instanceof Response) {
          logFailure(null, address, `unreadable form (status ${fields.status})`);
          return fields;
        }
        if (!webAuth.verifyCsrf(request, csrfTokenOf(fields))) {
          logFailure(fields.username, address, "CSRF token missing, wrong or expired");
          return csrfRefused("/signin");
        }
        const parsed = validateForm(signinSchema, fields);
        if (!parsed.ok) {
          const next = safeNextPath(typeof fields.next === "string" ? fields.next : null, options.publicUrl);
          const problem = Object.values(parsed.errors)[0]!;
          logFailure(fields.username, address, problem);
          return form(request, next, 400, problem);
        }
        const { username, password } = parsed.value;
        const next = safeNextPath(parsed.value.next, options.publicUrl);
        const limit = await limiter.attempt(address, username);
        if (!limit.allowed) {
          logFailure(username, address, "too many attempts from this address or for this username");
          options.metrics?.rateLimited("signin");
          return errorPage({
            status: 429,
            title: "Too many sign-in attempts",
            message: `Too many sign-in attempts from this address or for this username; wait ${Math.ceil(limit.retryAfterSeconds / 60)} minutes and try again.`,
            headers: { "Retry-After": String(limit.retryAfterSeconds) },
            back: { href: `/signin?${new URLSearchParams({ next })}`, label: "Back to sign-in" },
          });
        }
        const checked = username && password ? await services.accounts.checkPassword(username, password) : { user: null, refusal: "username or password empty" };
        if (!checked.user) {
          logFailure(username, address, checked.refusal);
          return form(request, next, 401, SIGNIN_FAILED_MESSAGE, username);
        }
        return seeOther(next, await webAuth.signIn(request, checked.user.id));
      },
      { parse: "none" },
    )
    .post(
      "/signout",
      async function signOut({ request }) {
        if (!config.MCP_AUTH_ENABLED) return seeOther("/settings/api-keys");
        const fields = await readForm(request);
        if (fields instanceof Response) return fields;
        if (!webAuth.verifyCsrf(request, csrfTokenOf(fields))) return csrfRefused("/settings/api-keys");
        return seeOther("/signin", await webAuth.signOut(request));
      },
      { parse: "none" },
    );
}
