/**
 * Who is using the web pages, and the CSRF tokens of their forms. A signed-in browser holds a
 * session cookie (MCP_SESSION_CONFIG) whose SHA-256 is stored by services.webSessions; in dev mode
 * (auth off) the dev user is signed in without one, as on /mcp. Forms carry a token of csrf.ts,
 * bound to the session cookie or, before sign-in, to an anonymous cookie set for that purpose.
 */
import { randomBytes } from "node:crypto";
import { publicBaseUrl } from "../config/load.ts";
import type { ResolvedConfig } from "../config/schema.ts";
import type { UserOrganization, User } from "../services/accounts.ts";
import type { Services } from "../services/index.ts";
import { isValidCsrfToken, issueCsrfToken } from "./csrf.ts";

/** A user of the web pages, with the organizations they belong to (name order). */
export interface SignedInUser {
  id: string;
  username: string;
  name: string;
  organizations: UserOrganization[];
  defaultOrganizationId: string | null;
}

export interface WebAuth {
  /** The signed-in user (session cookie), or the dev user in dev mode; null when signed out. */
  currentUser(request: Request): Promise<SignedInUser | null>;
  /** A CSRF token for a form in the response to `request`, and Set-Cookie values to add (empty when none). */
  csrfToken(request: Request): { token: string; setCookie: string[] };
  /** True when `token` (the form's `csrf_token`) is valid for this request; always true when WTF_CSRF_ENABLED is false. */
  verifyCsrf(request: Request, token: string | null): boolean;
  /** The sign-in URL that comes back to `next` (a same-origin path + query) afterwards. */
  signinUrl(next: string): string;
  /** Starts a session for the user, ending the one the request held (no fixation); returns the Set-Cookie values for it. */
  signIn(request: Request, userId: string): Promise<string[]>;
  /** Ends the request's session, if any; returns the Set-Cookie values that clear it. */
  signOut(request: Request): Promise<string[]>;
}

export interface WebAuthOptions {
  config: ResolvedConfig;
  services: Pick<Services, "accounts" | "webSessions">;
  secretKey: string;
  /** The clock in milliseconds; tests pass their own to age CSRF tokens. */
  now?: () => number;
}

/** Cookie values longer than this are no token of ours, and are not looked up. */
const MAX_COOKIE_VALUE_LENGTH = 256;
const ANONYMOUS_COOKIE_BYTES = 32;

export function createWebAuth({ config, services, secretKey, now = Date.now }: WebAuthOptions): WebAuth {
  const session = config.MCP_SESSION_CONFIG;
  const lifetimeSeconds = session.PERMANENT_SESSION_LIFETIME;
  const csrfMaxAgeSeconds = config.MCP_CSRF_CONFIG.WTF_CSRF_TIME_LIMIT ?? lifetimeSeconds;
  const sessionCookieName = session.SESSION_COOKIE_NAME;
  const anonymousCookieName = `${sessionCookieName}_csrf`;
  // Browsers drop a SameSite=None cookie that is not Secure.
  const secure = session.SESSION_COOKIE_SECURE || publicBaseUrl(config).startsWith("https:") || session.SESSION_COOKIE_SAMESITE === "None";
  const sameSite = session.SESSION_COOKIE_SAMESITE.toLowerCase() as "lax" | "strict" | "none";
  const nowSeconds = () => Math.floor(now() / 1000);

  const cookie = (name: string, value: string, maxAge: number) => new Bun.Cookie(name, value, { path: "/", httpOnly: session.SESSION_COOKIE_HTTPONLY, secure, sameSite, maxAge }).serialize();

  function readCookie(request: Request, name: string): string | null {
    const value = new Bun.CookieMap(request.headers.get("cookie") ?? "").get(name);
    return value && value.length <= MAX_COOKIE_VALUE_LENGTH ? value : null;
  }

  /** What a CSRF token of this request is bound to: the session cookie, else the anonymous one. */
  const csrfBinding = (request: Request) => readCookie(request, sessionCookieName) ?? readCookie(request, anonymousCookieName);

  async function signedIn(user: User | null | undefined): Promise<SignedInUser | null> {
    if (!user || !user.isActive) return null;
    const organizations = await services.accounts.organizationsOf(user.id);
    return { id: user.id, username: user.username, name: user.name, organizations, defaultOrganizationId: user.defaultOrganizationId };
  }

  return {
    async currentUser(request) {
      if (!config.MCP_AUTH_ENABLED) return config.MCP_DEV_USERNAME ? signedIn(await services.accounts.findUser(config.MCP_DEV_USERNAME)) : null;
      const token = readCookie(request, sessionCookieName);
      if (!token) return null;
      const found = await services.webSessions.find(token);
      return found ? signedIn(await services.accounts.findUserById(found.userId)) : null;
    },

    csrfToken(request) {
      const binding = csrfBinding(request);
      if (binding) return { token: issueCsrfToken(secretKey, binding, nowSeconds()), setCookie: [] };
      const fresh = randomBytes(ANONYMOUS_COOKIE_BYTES).toString("base64url");
      return { token: issueCsrfToken(secretKey, fresh, nowSeconds()), setCookie: [cookie(anonymousCookieName, fresh, lifetimeSeconds)] };
    },

    verifyCsrf(request, token) {
      if (!config.MCP_CSRF_CONFIG.WTF_CSRF_ENABLED) return true;
      const binding = csrfBinding(request);
      return Boolean(binding && token && isValidCsrfToken(secretKey, binding, token, nowSeconds(), csrfMaxAgeSeconds));
    },

    signinUrl(next) {
      return `/signin?${new URLSearchParams({ next })}`;
    },

    async signIn(request, userId) {
      const previous = readCookie(request, sessionCookieName);
      if (previous) await services.webSessions.delete(previous);
      const { token } = await services.webSessions.create(userId, lifetimeSeconds);
      return [cookie(sessionCookieName, token, lifetimeSeconds)];
    },

    async signOut(request) {
      const token = readCookie(request, sessionCookieName);
      if (token) await services.webSessions.delete(token);
      return [cookie(sessionCookieName, "", 0)];
    },
  };
}
