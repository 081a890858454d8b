/**
 * The web pages as one plugin: sign-in and sign-out, the API keys and connections settings, their
 * assets, and `/` leading to the settings. Served whether or not auth is on (in dev mode as the dev
 * user); every page carries the security headers of respond.ts.
 */
import { Elysia } from "elysia";
import { webAssets } from "./assets.ts";
import { seeOther } from "./respond.ts";
import { apiKeyRoutes } from "./routes/api-keys.ts";
import { connectionRoutes } from "./routes/connections.ts";
import type { WebRouteOptions } from "./routes/shared.ts";
import { signinRoutes } from "./routes/signin.ts";

export type { WebRouteOptions } from "./routes/shared.ts";

export const webRoutes = (options: WebRouteOptions) =>
  new Elysia({ name: "web" })
    .use(webAssets())
    .use(signinRoutes(options))
    .use(apiKeyRoutes(options))
    .use(connectionRoutes(options))
    .get("/", function home() {
      return seeOther("/settings/api-keys");
    });
