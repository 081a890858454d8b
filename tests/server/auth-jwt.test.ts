/**
 * Step 3 with external JWTs and MCP_AUTH_FACTORY, through `app.handle`: who gets in, who is refused
 * with the generic 401, and that the server keeps serving after every attempt.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import type { ResolvedConfig } from "../../src/config/schema.ts";
import { createTestApp, MCP_URL, request, rpc, type TestApp } from "../helpers/app.ts";
import { bearer, clientWith, expectInsufficientScope, expectUnauthorized, READ_ONLY_TOOL_NAMES, withCapturedLog } from "../helpers/auth.ts";
import { createTeam, type Team } from "../helpers/fixtures.ts";
import { createSigningKey, signToken, startIdentityProvider, type IdentityProvider, type SigningKey } from "../helpers/identity-provider.ts";

const AUDIENCE = "superset-mcp";
const AUTH_ON: Partial<ResolvedConfig> = { MCP_AUTH_ENABLED: true, MCP_DEV_USERNAME: null, SECRET_KEY: "s".repeat(48) };

let key: SigningKey;
let idp: IdentityProvider;
let t: TestApp;
let team: Team;
let other: Team;

beforeAll(async () => {
  key = await createSigningKey();
  idp = startIdentityProvider([key]);
  t = await createTestApp({ ...AUTH_ON, MCP_JWKS_URI: idp.jwksUri, MCP_JWT_ISSUER: idp.issuer, MCP_JWT_AUDIENCE: AUDIENCE });
  team = await createTeam(t.services, "jwt");
  other = await createTeam(t.services, "other");
});
afterAll(() => idp.stop());

const claimsFor = (username: string, extra: Record<string, unknown> = {}) => ({ sub: username, iss: idp.issuer, aud: AUDIENCE, ...extra });
const token = (username: string, extra: Record<string, unknown> = {}) => signToken(claimsFor(username, extra), key);
const ping = (headers: Record<string, string>) => rpc(t.app, request("ping"), { headers });

async function expectStillServing(): Promise<void> {
  expect((await ping(bearer(await token(team.users.member.username)))).status).toBe(200);
}

describe("a valid JWT", () => {
  test("runs as the user its sub names, in their default organization", async () => {
    const client = clientWith(t.app, bearer(await token(team.users.member.username)));
    const members = (await client.tool("organization_members_list")).structuredContent as { members: { username: string }[] };
    expect(members.members.map((m) => m.username)).toContain(team.users.owner.username);
    expect(members.members.map((m) => m.username)).not.toContain(other.users.owner.username);
  });

  test("the scheme may be any case, and X-API-Key is read when there is no Authorization", async () => {
    const jwt = await token(team.users.member.username);
    const variants: Record<string, string>[] = [{ Authorization: `bearer ${jwt}` }, { Authorization: `BEARER ${jwt}` }, { "X-API-Key": jwt }];
    for (const headers of variants) expect((await ping(headers)).status).toBe(200);
  });

  test("the user comes from sub, else client_id, else email, else username", async () => {
    const { member } = team.users;
    for (const claims of [{ client_id: member.username }, { email: member.username }, { username: member.username }]) {
      const jwt = await signToken({ iss: idp.issuer, aud: AUDIENCE, ...claims }, key);
      expect((await ping(bearer(jwt))).status).toBe(200);
    }
  });

  test("an organization claim (id or slug) picks the organization when the user is a member", async () => {
    await t.services.accounts.setMembership(team.users.member.username, other.organization.slug, "viewer");
    for (const claim of [{ organizationId: other.organization.id }, { org: other.organization.slug }, { org_id: other.organization.id }]) {
      const names = await clientWith(t.app, bearer(await token(team.users.member.username, claim))).toolNames();
      expect(names).not.toContain("tasks_create"); // a viewer there
    }
  });

  test("without MCP_ENFORCE_TOOL_SCOPES a JWT with no scopes sees every tool", async () => {
    expect(await clientWith(t.app, bearer(await token(team.users.owner.username))).toolNames()).toContain("tasks_delete");
  });
});

describe("refused with the generic 401, and the server keeps serving", () => {
  const cases: [string, () => Promise<Record<string, string>>][] = [
    ["no token", async () => ({})],
    ["garbage", async () => bearer("garbage")],
    ["three dots of garbage", async () => bearer("a.b.c")],
    [
      "alg none",
      async () => bearer(`${btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "")}.${btoa(JSON.stringify(claimsFor(team.users.owner.username, { exp: 9999999999 }))).replace(/=+$/, "")}.`),
    ],
    [
      "HS256 signed with the RS256 public key's PEM",
      async () =>
        bearer(await new SignJWT({ ...claimsFor(team.users.owner.username), exp: 9999999999 }).setProtectedHeader({ alg: "HS256", kid: key.kid }).sign(new TextEncoder().encode(key.publicPem))),
    ],
    ["expired", async () => bearer(await token(team.users.owner.username, { exp: Math.floor(Date.now() / 1000) - 600 }))],
    ["nbf in the future", async () => bearer(await token(team.users.owner.username, { nbf: Math.floor(Date.now() / 1000) + 600 }))],
    ["wrong iss", async () => bearer(await token(team.users.owner.username, { iss: "https://evil.example/" }))],
    ["wrong aud", async () => bearer(await token(team.users.owner.username, { aud: "someone-else" }))],
    ["no exp", async () => bearer(await signToken(claimsFor(team.users.owner.username), key, { expiresIn: null }))],
    [
      "tampered payload",
      async () => {
        const [header, , signature] = (await token(team.users.member.username)).split(".");
        const payload = btoa(JSON.stringify({ ...claimsFor(team.users.owner.username), exp: 9999999999 })).replace(/=+$/, "");
        return bearer(`${header}.${payload}.${signature}`);
      },
    ],
    ["unknown kid", async () => bearer(await signToken(claimsFor(team.users.owner.username), await createSigningKey()))],
    ["token in the query string", async () => ({ "X-Query-Token": "unused" })],
    ["a 100 KB Authorization header", async () => bearer("A".repeat(100 * 1024))],
    ["a Basic credential", async () => ({ Authorization: `Basic ${btoa("admin:admin")}` })],
    ["an unknown user", async () => bearer(await token("nobody-" + crypto.randomUUID().slice(0, 6)))],
    ["a user's id as sub (only usernames match)", async () => bearer(await token(team.users.owner.id))],
    ["an organization the user is not in", async () => bearer(await token(team.users.owner.username, { org: other.organization.slug }))],
  ];

  for (const [name, headers] of cases) {
    test(name, async () => {
      await withCapturedLog(async () => {
        const url = name === "token in the query string" ? `http://127.0.0.1:5008/mcp?access_token=${await token(team.users.owner.username)}` : undefined;
        await expectUnauthorized(await rpc(t.app, request("tools/list"), { headers: await headers(), url }));
      });
      await expectStillServing();
    });
  }

  test("a disabled user", async () => {
    const jwt = await token(team.users.viewer.username);
    expect((await ping(bearer(jwt))).status).toBe(200);
    await t.services.accounts.setActive(team.users.viewer.username, false);
    await withCapturedLog(async () => expectUnauthorized(await ping(bearer(jwt))));
    await t.services.accounts.setActive(team.users.viewer.username, true);
  });
});

describe("scopes", () => {
  test("MCP_REQUIRED_SCOPES: a token without all of them is 403 insufficient_scope", async () => {
    const strict = await createTestApp({ ...AUTH_ON, MCP_JWT_PUBLIC_KEY: key.publicPem, MCP_REQUIRED_SCOPES: ["mcp:read", "superset:mcp"] });
    const jwt = (scope: string) => signToken({ sub: "admin", scope, aud: MCP_URL }, key);
    // The challenge names every required scope, not only the missing one, so one re-authorization is enough.
    await withCapturedLog(async () => expectInsufficientScope(await rpc(strict.app, request("ping"), { headers: bearer(await jwt("mcp:read")) }), "mcp:read superset:mcp"));
    expect((await rpc(strict.app, request("ping"), { headers: bearer(await jwt("mcp:read superset:mcp")) })).status).toBe(200);
  });

  test("MCP_ENFORCE_TOOL_SCOPES: mcp:read alone lists read-only tools, and a write call is a 403 scope challenge", async () => {
    const enforcing = await createTestApp({ ...AUTH_ON, MCP_JWT_PUBLIC_KEY: key.publicPem, MCP_ENFORCE_TOOL_SCOPES: true });
    const reader = clientWith(enforcing.app, bearer(await signToken({ sub: "admin", scp: ["mcp:read"], aud: MCP_URL }, key)));
    expect(await reader.toolNames()).toEqual(READ_ONLY_TOOL_NAMES);
    await expectInsufficientScope(await reader.send("tools/call", { name: "tasks_create", arguments: { title: "x" } }), "mcp:write");
    expect((await reader.tool("tasks_list")).structuredContent).toEqual({ result: [], nextOffset: null });
  });
});

describe("the audience without MCP_JWT_AUDIENCE (RFC 8707)", () => {
  test("is this server's resource URI: /mcp or its alias gets in; no aud, another service's or another server's is 401", async () => {
    const bound = await createTestApp({ ...AUTH_ON, MCP_JWKS_URI: idp.jwksUri, MCP_JWT_ISSUER: idp.issuer, MCP_SERVICE_URL: "https://mcp.example.com" });
    const send = async (claims: Record<string, unknown>) => rpc(bound.app, request("ping"), { headers: bearer(await signToken({ sub: "admin", iss: idp.issuer, ...claims }, key)) });
    for (const aud of ["https://mcp.example.com/mcp", "https://mcp.example.com/api/v2/agent/mcp", ["other-api", "https://mcp.example.com/mcp"]])
      expect((await send({ aud })).status, JSON.stringify(aud)).toBe(200);
    await withCapturedLog(async (lines) => {
      for (const claims of [{}, { aud: AUDIENCE }, { aud: "https://mcp.example.com" }, { aud: "https://mcp.example.com/mcp/" }, { aud: "https://other.example.com/mcp" }])
        await expectUnauthorized(await send(claims));
      expect(lines.join("\n")).toContain("JWT rejected");
    });
  });
});

describe("MCP_AUTH_FACTORY", () => {
  test("the seed's example, built from ctx.JWTVerifier without an import, replaces the built-in verifier", async () => {
    const custom = await createTestApp({
      ...AUTH_ON,
      MCP_AUTH_FACTORY: (ctx) => new ctx.JWTVerifier({ jwksUri: idp.jwksUri, issuer: idp.issuer, audience: "custom-audience" }),
    });
    const good = await signToken({ sub: "admin", iss: idp.issuer, aud: "custom-audience" }, key);
    expect((await rpc(custom.app, request("ping"), { headers: bearer(good) })).status).toBe(200);
    await withCapturedLog(async () => expectUnauthorized(await rpc(custom.app, request("ping"), { headers: bearer(await token("admin")) })));
  });

  test("a provider answering null or throwing refuses the token; one returning claims names the user", async () => {
    const custom = await createTestApp({
      ...AUTH_ON,
      MCP_AUTH_FACTORY: () => ({
        async verify(tokenText: string) {
          if (tokenText === "boom") throw new Error("provider exploded");
          return tokenText === "let-me-in" ? { username: "admin", scope: "mcp:read" } : null;
        },
      }),
    });
    const send = (tokenText: string) => rpc(custom.app, request("ping"), { headers: bearer(tokenText) });
    expect((await send("let-me-in")).status).toBe(200);
    await withCapturedLog(async () => {
      await expectUnauthorized(await send("nope"));
      await expectUnauthorized(await send("boom"));
    });
  });

  test("a factory returning something without verify stops the start with a sentence", async () => {
    await expect(createTestApp({ ...AUTH_ON, MCP_AUTH_FACTORY: () => ({}) as never })).rejects.toThrow(/MCP_AUTH_FACTORY returned no auth provider/);
  });
});

describe("the reason of a refusal", () => {
  test("never reaches the client; the log has it, with detail only under MCP_JWT_DEBUG_ERRORS", async () => {
    const expired = await token(team.users.owner.username, { exp: Math.floor(Date.now() / 1000) - 600 });
    const quiet = await withCapturedLog(async (lines) => {
      const response = await ping(bearer(expired));
      expect(await response.text()).not.toContain("exp");
      return lines.join("\n");
    });
    expect(quiet).toContain("JWT rejected");
    expect(quiet).not.toContain('"exp"');
    const debug = await createTestApp({ ...AUTH_ON, MCP_JWKS_URI: idp.jwksUri, MCP_JWT_AUDIENCE: AUDIENCE, MCP_JWT_DEBUG_ERRORS: true });
    const loud = await withCapturedLog(async (lines) => {
      await rpc(debug.app, request("ping"), { headers: bearer(expired) });
      return lines.join("\n");
    });
    expect(loud).toContain("expired");
  });
});
