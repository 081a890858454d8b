/**
 * Discovery (RFC 9728, RFC 8414, JWKS) and the 401 that points to it: every URL comes from
 * MCP_SERVICE_URL, and nothing is published when the built-in server is off.
 */
import { describe, expect, test } from "bun:test";
import { createTestApp, request, rpc } from "../helpers/app.ts";
import { AUTH_ON } from "../helpers/oauth-app.ts";

const PUBLIC = "https://superset.example.com";
const get = async (app: { handle(r: Request): Promise<Response> }, path: string) => app.handle(new Request(`http://127.0.0.1:5008${path}`));

describe("behind a reverse proxy (MCP_SERVICE_URL https://superset.example.com)", async () => {
  const { app } = await createTestApp({ ...AUTH_ON, MCP_SERVICE_URL: PUBLIC });

  test("protected-resource metadata at the root and under each MCP path names that path's resource", async () => {
    for (const [path, resource] of [
      ["", "/mcp"],
      ["/mcp", "/mcp"],
      ["/api/v2/agent/mcp", "/api/v2/agent/mcp"],
    ] as const) {
      const response = await get(app, `/.well-known/oauth-protected-resource${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: `${PUBLIC}${resource}`,
        authorization_servers: [PUBLIC],
        scopes_supported: ["mcp:read", "mcp:write"],
        bearer_methods_supported: ["header"],
        resource_name: "Superset MCP",
      });
    }
  });

  test("authorization-server metadata lists the endpoints, S256 only, code only, both grants and the three client auth methods", async () => {
    const metadata = (await (await get(app, "/.well-known/oauth-authorization-server")).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: PUBLIC,
      authorization_endpoint: `${PUBLIC}/oauth/authorize`,
      token_endpoint: `${PUBLIC}/oauth/token`,
      registration_endpoint: `${PUBLIC}/oauth/register`,
      revocation_endpoint: `${PUBLIC}/oauth/revoke`,
      jwks_uri: `${PUBLIC}/.well-known/jwks.json`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
      scopes_supported: ["mcp:read", "mcp:write"],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
    });
  });

  test("the JWKS holds one public ES256 key with a kid and no private part", async () => {
    const { keys } = (await (await get(app, "/.well-known/jwks.json")).json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(typeof keys[0]!.kid).toBe("string");
    expect(keys[0]!.d).toBeUndefined();
  });

  test("a 401 from each MCP URL names the metadata of that URL in resource_metadata, and the scopes to ask for", async () => {
    for (const path of ["/mcp", "/api/v2/agent/mcp"]) {
      const response = await rpc(app, request("ping"), { url: `http://127.0.0.1:5008${path}` });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe(
        `Bearer realm="superset", error="invalid_token", error_description="Authentication required", resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource${path}", scope="mcp:read mcp:write"`,
      );
    }
  });

  test("the 401 scope adds MCP_REQUIRED_SCOPES, and offline_access is named nowhere (SEP-2207)", async () => {
    const strict = await createTestApp({ ...AUTH_ON, MCP_SERVICE_URL: PUBLIC, MCP_REQUIRED_SCOPES: ["superset:mcp", "offline_access"] });
    const challenge = (await rpc(strict.app, request("ping"))).headers.get("www-authenticate")!;
    expect(challenge).toEndWith(`, scope="superset:mcp mcp:read mcp:write"`);
    const resource = (await (await get(strict.app, "/.well-known/oauth-protected-resource/mcp")).json()) as { scopes_supported: string[] };
    expect(resource.scopes_supported).not.toContain("offline_access");
  });

  test("metadata answers a browser client's CORS preflight", async () => {
    const response = await app.handle(
      new Request("http://127.0.0.1:5008/.well-known/oauth-authorization-server", {
        method: "OPTIONS",
        headers: { Origin: "http://localhost:6274", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "mcp-protocol-version" },
      }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-headers")).toContain("MCP-Protocol-Version");
  });
});

describe("with the built-in server off", () => {
  test("MCP_OAUTH_ENABLED false: no metadata, no endpoints, and the 401 names no metadata", async () => {
    const { app } = await createTestApp({ ...AUTH_ON, MCP_OAUTH_ENABLED: false });
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server", "/.well-known/jwks.json"]) expect((await get(app, path)).status).toBe(404);
    const refused = await rpc(app, request("ping"));
    expect(refused.headers.get("www-authenticate")).not.toContain("resource_metadata");
  });

  test("dev mode (auth off) publishes nothing either: there is nothing to sign in to", async () => {
    const { app } = await createTestApp();
    expect((await get(app, "/.well-known/oauth-authorization-server")).status).toBe(404);
  });
});
