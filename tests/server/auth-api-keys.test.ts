/**
 * Step 3 with API keys and step 4's tool scopes, through `app.handle`: keys get in as their user in
 * their organization, narrowed by their scopes; revoked, expired and malformed keys do not; and a
 * credential never reaches another principal's session.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { ResolvedConfig } from "../../src/config/schema.ts";
import { createTestApp, request, rpc, type TestApp } from "../helpers/app.ts";
import { bearer, clientWith, expectInsufficientScope, expectUnauthorized, READ_ONLY_TOOL_NAMES, withCapturedLog, WRITE_TOOL_NAMES } from "../helpers/auth.ts";
import { createTeam, type Team } from "../helpers/fixtures.ts";

const AUTH_ON: Partial<ResolvedConfig> = { MCP_AUTH_ENABLED: true, MCP_DEV_USERNAME: null, SECRET_KEY: "s".repeat(48) };

let t: TestApp;
/** The services' clock runs with real time plus this offset: the expiry test moves it past a key's expiry instead of waiting. */
let clockOffsetMs = 0;
let team: Team;

beforeAll(async () => {
  t = await createTestApp(AUTH_ON, { now: () => new Date(Date.now() + clockOffsetMs) });
  team = await createTeam(t.services, "keys");
});

const newKey = async (user = team.users.member.username, options: { scopes?: ("mcp:read" | "mcp:write")[]; expiresAt?: Date } = {}) =>
  (await t.services.apiKeys.create({ user, organization: team.organization.slug, ...options })).key;
const ping = (headers: Record<string, string>, app = t.app) => rpc(app, request("ping"), { headers });

describe("a valid API key", () => {
  test("runs as its user in its organization, by Authorization or X-API-Key", async () => {
    const key = await newKey();
    for (const headers of [bearer(key), { "X-API-Key": key }]) {
      const created = await clientWith(t.app, headers).tool("tasks_create", { title: "Made with a key" });
      expect((created.structuredContent as { task: { creatorId: string } }).task.creatorId).toBe(team.users.member.id);
    }
  });

  test("a read-only key lists only read-only tools, and calling a write tool is 403 insufficient_scope naming mcp:write", async () => {
    const reader = clientWith(t.app, bearer(await newKey(team.users.owner.username, { scopes: ["mcp:read"] })));
    expect(await reader.toolNames()).toEqual(READ_ONLY_TOOL_NAMES);
    const before = (await reader.tool("tasks_list")).structuredContent;
    await withCapturedLog(async () => expectInsufficientScope(await reader.send("tools/call", { name: "tasks_delete", arguments: { id: crypto.randomUUID() } }), "mcp:write"));
    await expectInsufficientScope(await reader.send("tools/call", { name: "tasks_create", arguments: { title: "sneaky" } }), "mcp:write");
    expect((await reader.tool("tasks_list")).structuredContent).toEqual(before);
  });

  test("a write-only key sees only write tools", async () => {
    const writer = clientWith(t.app, bearer(await newKey(team.users.owner.username, { scopes: ["mcp:write"] })));
    expect(await writer.toolNames()).toEqual(WRITE_TOOL_NAMES);
  });

  test("a key narrows, never widens: a viewer's full key still cannot write", async () => {
    const viewer = clientWith(t.app, bearer(await newKey(team.users.viewer.username)));
    expect(await viewer.toolNames()).not.toContain("tasks_create");
  });
});

describe("keys that are refused with the generic 401, and the server keeps serving", () => {
  test("revoked: refused on the very next request", async () => {
    const key = await newKey();
    expect((await ping(bearer(key))).status).toBe(200);
    const [info] = await t.services.apiKeys.list({ organization: team.organization.slug });
    await t.services.apiKeys.revoke(info!.id);
    await withCapturedLog(async () => expectUnauthorized(await ping(bearer(key))));
  });

  test("expired", async () => {
    const key = await newKey(undefined, { expiresAt: new Date(Date.now() + clockOffsetMs + 1_000) });
    expect((await ping(bearer(key))).status).toBe(200);
    clockOffsetMs += 1_001;
    await withCapturedLog(async () => expectUnauthorized(await ping(bearer(key))));
  });

  test("malformed or unknown", async () => {
    const almost = (await newKey()).slice(0, -1);
    await withCapturedLog(async () => {
      for (const key of ["sk_live_", "sk_live_short", `${almost}`, `${almost}!`, `sk_live_${"A".repeat(43)}`, `sk_live_${"A".repeat(5000)}`]) {
        await expectUnauthorized(await ping(bearer(key)));
        await expectUnauthorized(await ping({ "X-API-Key": key }));
      }
    });
    expect((await ping(bearer(await newKey()))).status).toBe(200);
  });

  test("its user disabled, or no longer a member of its organization", async () => {
    const extra = await createTeam(t.services, "leaving");
    const key = (await t.services.apiKeys.create({ user: extra.users.member.username, organization: extra.organization.slug })).key;
    expect((await ping(bearer(key))).status).toBe(200);
    await t.services.accounts.setActive(extra.users.member.username, false);
    await withCapturedLog(async () => expectUnauthorized(await ping(bearer(key))));
  });

  test("API keys turned off (MCP_API_KEYS_ENABLED false)", async () => {
    const off = await createTestApp({ ...AUTH_ON, MCP_API_KEYS_ENABLED: false });
    const key = (await off.services.apiKeys.create({ user: "admin", organization: "default" })).key;
    await withCapturedLog(async () => expectUnauthorized(await ping(bearer(key), off.app)));
  });
});

describe("dev mode", () => {
  test("a key is still verified: a good one runs as its user, a bad one is refused", async () => {
    const dev = await createTestApp();
    const someone = await createTeam(dev.services, "devkeys");
    const key = (await dev.services.apiKeys.create({ user: someone.users.member.username, organization: someone.organization.slug })).key;
    const members = (await clientWith(dev.app, bearer(key)).tool("organization_members_list")).structuredContent as { members: { username: string }[] };
    expect(members.members.map((m) => m.username)).toContain(someone.users.member.username);
    await withCapturedLog(async () => expectUnauthorized(await ping(bearer(`sk_live_${"B".repeat(43)}`), dev.app)));
  });

  test("a credential in the query string is refused, not ignored", async () => {
    const dev = await createTestApp();
    const key = (await dev.services.apiKeys.create({ user: "admin", organization: "default" })).key;
    for (const parameter of ["access_token", "api_key", "token"]) {
      const response = await withCapturedLog(() => rpc(dev.app, request("ping"), { url: `http://127.0.0.1:5008/mcp?${parameter}=${key}` }));
      await expectUnauthorized(response);
    }
  });
});

describe("sessions belong to the credential's principal", () => {
  test("a session opened with one key is not found with another user's key, nor with the same user's narrower key", async () => {
    const ownerKey = await newKey(team.users.owner.username);
    const sessionId = (await clientWith(t.app, bearer(ownerKey)).initialize())!;
    expect((await clientWith(t.app, bearer(ownerKey)).send("ping", undefined, sessionId)).status).toBe(200);
    for (const key of [await newKey(team.users.member.username), await newKey(team.users.owner.username, { scopes: ["mcp:read"] })]) {
      expect((await clientWith(t.app, bearer(key)).send("ping", undefined, sessionId)).status).toBe(404);
    }
  });
});
