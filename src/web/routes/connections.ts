/** /settings/connections: the OAuth clients the user allowed (one per consent), and revoking one. */
import { Elysia } from "elysia";
import * as v from "valibot";
import { queryOf, textField, validateForm } from "../form.ts";
import { connectionsPage } from "../pages/connections.ts";
import { errorPage } from "../pages/error.ts";
import { htmlResponse, seeOther } from "../respond.ts";
import type { SignedInUser } from "../web-auth.ts";
import { foreignHostRefusal, signOutTokenFor, type WebRouteOptions } from "./shared.ts";
import { signedInMacros } from "./signed-in.ts";

const revokeSchema = v.object({ id: v.pipe(textField("The connection id", 100), v.minLength(1, "The form names no connection; reload the page and try again.")) });

export function connectionRoutes(options: WebRouteOptions) {
  const { config, services, webAuth } = options;
  const oauthServerOn = config.MCP_AUTH_ENABLED && config.MCP_OAUTH_ENABLED;

  async function page(request: Request, user: SignedInUser, notice: string | null) {
    const csrf = webAuth.csrfToken(request);
    const connections = oauthServerOn ? await services.oauthGrants.listForUser(user.id) : null;
    const body = connectionsPage({ user, connections, csrfToken: csrf.token, signOutToken: signOutTokenFor(config, csrf.token), notice });
    return htmlResponse(body, { setCookie: csrf.setCookie });
  }

  return new Elysia({ name: "web-connections" })
    .use(signedInMacros(options))
    .onBeforeHandle(foreignHostRefusal(options))
    .get(
      "/settings/connections",
      async function showConnections({ request, user }) {
        const done = queryOf(request).done;
        return page(request, user, done === "revoked" ? "The connection was revoked; that client must ask for your consent again." : null);
      },
      { signedIn: true },
    )
    .post(
      "/settings/connections/revoke",
      async function revokeConnection({ user, fields }) {
        if (!oauthServerOn) return errorPage({ status: 404, title: "OAuth is off", message: "The built-in OAuth server is off on this server, so there is no connection to revoke." });
        const parsed = validateForm(revokeSchema, fields);
        if (!parsed.ok) return errorPage({ status: 400, title: "Bad form", message: Object.values(parsed.errors)[0]!, back: { href: "/settings/connections", label: "Back to connections" } });
        const revoked = await services.oauthGrants.revokeForUser(user.id, parsed.value.id);
        if (!revoked)
          return errorPage({
            status: 404,
            title: "Connection not found",
            message: "There is no such active connection of yours; it may already be revoked.",
            back: { href: "/settings/connections", label: "Back to connections" },
          });
        return seeOther("/settings/connections?done=revoked");
      },
      { parse: "none", signedInForm: "/settings/connections" },
    );
}
