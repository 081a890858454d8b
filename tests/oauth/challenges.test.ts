/**
 * The scope challenges a built-in OAuth token meets (MCP authorization §Scope challenge handling):
 * a write tool called with an mcp:read token is a 403 `insufficient_scope` naming every scope the
 * call needs, with the resource metadata URL as in the 401, so one step-up authorization suffices.
 */
import { describe, expect, test } from "bun:test";
import { bearer, clientWith } from "../helpers/auth.ts";
import { authorizeAndExchange, createOAuthApp, ISSUER } from "../helpers/oauth-app.ts";
import type { OAuthApp } from "../helpers/oauth-app.ts";

/** An access token granted only mcp:read. */
async function readOnlyToken(t: OAuthApp): Promise<string> {
  return (await authorizeAndExchange(t, t.organizations.acme, "mcp:read")).tokens.access_token;
}

describe("403 insufficient_scope for a built-in token", () => {
  test("a write tool with an mcp:read token names mcp:write and the resource metadata", async () => {
    const t = await createOAuthApp();
    const reader = clientWith(t.app, bearer(await readOnlyToken(t)));
    const response = await reader.send("tools/call", { name: "tasks_create", arguments: { title: "x" } });
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="superset", error="insufficient_scope", scope="mcp:write", error_description="This request needs the scope mcp:write, which the credential does not carry", resource_metadata="${ISSUER}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(await response.json()).toMatchObject({ error: "insufficient_scope", scope: "mcp:write" });
  });

  test("with MCP_REQUIRED_SCOPES the call's challenge names them too, all at once", async () => {
    const t = await createOAuthApp({ MCP_REQUIRED_SCOPES: ["mcp:read"] });
    const reader = clientWith(t.app, bearer(await readOnlyToken(t)));
    const response = await reader.send("tools/call", { name: "tasks_create", arguments: { title: "x" } });
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toContain(`error="insufficient_scope", scope="mcp:read mcp:write"`);
  });
});
