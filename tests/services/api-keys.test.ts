/** API key service contract: creation rules, listing, revocation, verification and the role rules of the actor methods. */
import { describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { API_KEY_PREFIX, generateApiKey, hashApiKey, isWellFormedApiKey, looksLikeApiKey } from "../../src/auth/api-key-format.ts";
import { createServices, type Services } from "../../src/services/index.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { addUser, createTeam, uniqueName } from "../helpers/fixtures.ts";
import { expectServiceError } from "../helpers/service-errors.ts";

describe("API key format", () => {
  test("a generated key is sk_live_ and 43 base64url characters; hash and display prefix follow from it", () => {
    const { key, hash, displayPrefix } = generateApiKey();
    expect(key).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(hash).toBe(new Bun.CryptoHasher("sha256").update(key).digest("hex"));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).toBe(hash);
    expect(displayPrefix).toBe(key.slice(0, API_KEY_PREFIX.length + 4));
    expect(generateApiKey().key).not.toBe(key);
  });

  test("well-formed means exactly that shape; looking like a key only needs the prefix", () => {
    const key = generateApiKey().key;
    for (const text of [key.slice(0, -1), `${key}A`, `${key.slice(0, -1)}=`, `${key.slice(0, -1)}+`, `sk_test_${key.slice(8)}`, ` ${key}`, ""]) {
      expect(isWellFormedApiKey(text)).toBe(false);
    }
    expect(looksLikeApiKey("sk_live_")).toBe(true);
    expect(looksLikeApiKey("sk_live_short")).toBe(true);
    expect(looksLikeApiKey("eyJhbGciOi.x.y")).toBe(false);
  });
});

/** A clock the test moves by hand. */
function manualClock(start = new Date("2030-06-01T00:00:00.000Z")) {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current = new Date(current.getTime() + ms);
    },
  };
}

const FAR_FUTURE = new Date("2099-01-01T00:00:00.000Z");

describeEachDatabase("api keys service", (suite) => {
  const storedRow = async (id: string) => {
    const { apiKeys } = suite.db.tables;
    return (await suite.db.orm.select().from(apiKeys).where(eq(apiKeys.id, id)))[0]!;
  };

  /** A second, independent set of services on the same database, as another process would have. */
  const otherProcess = (): Services => createServices(suite.db);

  test("create returns the key once; only its hash and display prefix are stored", async () => {
    const team = await createTeam(suite.services, "keys");
    const { key, apiKey } = await suite.services.apiKeys.create({ user: team.users.member.username, organization: team.organization.slug, name: "CI pipeline" });
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(apiKey).toMatchObject({
      name: "CI pipeline",
      prefix: key.slice(0, 12),
      scopes: ["mcp:read", "mcp:write"],
      userId: team.users.member.id,
      username: team.users.member.username,
      organizationId: team.organization.id,
      organizationSlug: team.organization.slug,
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
    });
    expect(apiKey.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const row = await storedRow(apiKey.id);
    expect(row.keyHash).toBe(hashApiKey(key));
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice(API_KEY_PREFIX.length));
    expect(stored).not.toContain(key.slice(12, 30));
    expect(JSON.stringify(apiKey)).not.toContain(row.keyHash);
    expect(await suite.services.apiKeys.list({ organization: team.organization.id })).toEqual([apiKey]);
  });

  test("create defaults: a dated name, both scopes; scopes are deduplicated and ordered; an expiry is kept", async () => {
    const team = await createTeam(suite.services, "defaults");
    const { apiKeys } = suite.services;
    const plain = await apiKeys.create({ user: team.users.viewer.id, organization: team.organization.id });
    expect(plain.apiKey.name).toMatch(/^key created \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(plain.apiKey.scopes).toEqual(["mcp:read", "mcp:write"]);
    const narrowed = await apiKeys.create({
      user: team.users.viewer.username,
      organization: team.organization.slug,
      name: "  reader  ",
      scopes: ["mcp:write", "mcp:read", "mcp:write"],
      expiresAt: FAR_FUTURE,
    });
    expect(narrowed.apiKey).toMatchObject({ name: "reader", scopes: ["mcp:read", "mcp:write"], expiresAt: FAR_FUTURE.toISOString() });
    const readOnly = await apiKeys.create({ user: team.users.viewer.username, organization: team.organization.slug, scopes: ["mcp:read"] });
    expect(readOnly.apiKey.scopes).toEqual(["mcp:read"]);
    expect(await storedRow(readOnly.apiKey.id)).toMatchObject({ scopes: "mcp:read" });
    expect(readOnly.key).not.toBe(narrowed.key);
  });

  test("create refuses with a sentence: unknown or disabled user, non-member, unknown organization", async () => {
    const team = await createTeam(suite.services, "refuse");
    const other = await createTeam(suite.services, "other");
    const { apiKeys, accounts } = suite.services;
    const base = { user: team.users.member.username, organization: team.organization.slug };
    expect((await expectServiceError(apiKeys.create({ ...base, user: "no-such-user" }), "not_found")).message).toContain('"no-such-user"');
    expect((await expectServiceError(apiKeys.create({ ...base, organization: "no-such-org" }), "not_found")).message).toContain('"no-such-org"');
    const outsider = await accounts.createUser({ username: uniqueName("outsider") });
    const notMember = await expectServiceError(apiKeys.create({ ...base, user: outsider.username }), "invalid");
    expect(notMember.message).toContain("not a member");
    await expectServiceError(apiKeys.create({ ...base, organization: other.organization.slug }), "invalid");
    const disabled = (await addUser(suite.services, team.organization, "member", "disabled")).user;
    await accounts.setActive(disabled.username, false);
    expect((await expectServiceError(apiKeys.create({ ...base, user: disabled.username }), "invalid")).message).toContain("disabled");
    expect(await apiKeys.list({ organization: team.organization.slug, includeRevoked: true })).toEqual([]);
  });

  test("create refuses bad options: unknown or no scope, an expiry not in the future, an empty or long name", async () => {
    const team = await createTeam(suite.services, "options");
    const { apiKeys } = suite.services;
    const base = { user: team.users.member.username, organization: team.organization.slug };
    const unknown = await expectServiceError(apiKeys.create({ ...base, scopes: ["mcp:read", "mcp:admin"] }), "invalid");
    expect(unknown.message).toBe('Unknown scope "mcp:admin"; an API key\'s scopes are mcp:read and mcp:write.');
    await expectServiceError(apiKeys.create({ ...base, scopes: [] }), "invalid");
    // The suite's clock is in 2030: the real present is already past.
    await expectServiceError(apiKeys.create({ ...base, expiresAt: new Date() }), "invalid");
    await expectServiceError(apiKeys.create({ ...base, expiresAt: new Date("not a date") }), "invalid");
    const clock = manualClock();
    const fixed = createServices(suite.db, clock.now);
    expect((await expectServiceError(fixed.apiKeys.create({ ...base, expiresAt: clock.now() }), "invalid")).message).toContain("not in the future");
    await expectServiceError(apiKeys.create({ ...base, name: "   " }), "invalid");
    await expectServiceError(apiKeys.create({ ...base, name: "x".repeat(101) }), "invalid");
    expect((await apiKeys.create({ ...base, name: "x".repeat(100) })).apiKey.name).toHaveLength(100);
    expect(await apiKeys.list({ organization: team.organization.slug, includeRevoked: true })).toHaveLength(1);
  });

  test("list: newest first, by organization and by user, revoked keys only when asked", async () => {
    const team = await createTeam(suite.services, "list");
    const other = await createTeam(suite.services, "list-other");
    const { apiKeys } = suite.services;
    const first = (await apiKeys.create({ user: team.users.member.username, organization: team.organization.slug, name: "first" })).apiKey;
    const second = (await apiKeys.create({ user: team.users.admin.username, organization: team.organization.slug, name: "second" })).apiKey;
    const third = (await apiKeys.create({ user: team.users.member.username, organization: team.organization.slug, name: "third" })).apiKey;
    const elsewhere = (await apiKeys.create({ user: other.users.member.username, organization: other.organization.slug, name: "elsewhere" })).apiKey;
    expect((await apiKeys.list({ organization: team.organization.slug })).map((k) => k.name)).toEqual(["third", "second", "first"]);
    expect((await apiKeys.list({ organization: team.organization.slug, user: team.users.member.username })).map((k) => k.name)).toEqual(["third", "first"]);
    expect((await apiKeys.list({ user: other.users.member.id })).map((k) => k.id)).toEqual([elsewhere.id]);
    const all = (await apiKeys.list()).map((k) => k.id);
    for (const id of [first.id, second.id, third.id, elsewhere.id]) expect(all).toContain(id);
    const revoked = await apiKeys.revoke(second.id);
    expect((await apiKeys.list({ organization: team.organization.slug })).map((k) => k.name)).toEqual(["third", "first"]);
    expect(await apiKeys.list({ organization: team.organization.slug, includeRevoked: true })).toEqual([third, revoked, first]);
    await expectServiceError(apiKeys.list({ organization: "no-such-org" }), "not_found");
    await expectServiceError(apiKeys.list({ user: "no-such-user" }), "not_found");
  });

  test("revoke by id, display prefix or key; again returns it unchanged; unknown and foreign keys are not found", async () => {
    const team = await createTeam(suite.services, "revoke");
    const other = await createTeam(suite.services, "revoke-other");
    const { apiKeys } = suite.services;
    const base = { user: team.users.member.username, organization: team.organization.slug };
    const byId = await apiKeys.create(base);
    const revoked = await apiKeys.revoke(byId.apiKey.id.toUpperCase());
    expect(revoked).toEqual({ ...byId.apiKey, revokedAt: expect.stringMatching(/Z$/) });
    expect(await apiKeys.revoke(byId.apiKey.id)).toEqual(revoked);
    const byPrefix = await apiKeys.create(base);
    expect((await apiKeys.revoke(byPrefix.apiKey.prefix, { organization: team.organization.slug })).revokedAt).not.toBeNull();
    const byKey = await apiKeys.create(base);
    expect((await apiKeys.revoke(byKey.key)).id).toBe(byKey.apiKey.id);
    const foreign = await apiKeys.create({ user: other.users.member.username, organization: other.organization.slug });
    expect((await expectServiceError(apiKeys.revoke(foreign.apiKey.id, { organization: team.organization.slug }), "not_found")).message).toContain(team.organization.slug);
    expect((await apiKeys.list({ organization: other.organization.slug }))[0]!.revokedAt).toBeNull();
    await expectServiceError(apiKeys.revoke("sk_live_zzzz"), "not_found");
    await expectServiceError(apiKeys.revoke(crypto.randomUUID()), "not_found");
    await expectServiceError(apiKeys.revoke(byId.apiKey.id, { organization: "no-such-org" }), "not_found");
  });

  test("revoke refuses a prefix shared by several keys and revokes none of them", async () => {
    const team = await createTeam(suite.services, "ambiguous");
    const { apiKeys } = suite.services;
    const base = { user: team.users.member.username, organization: team.organization.slug };
    const one = (await apiKeys.create(base)).apiKey;
    const two = (await apiKeys.create(base)).apiKey;
    // Four random characters rarely collide; make them.
    const { apiKeys: table } = suite.db.tables;
    await suite.db.orm.update(table).set({ prefix: one.prefix }).where(eq(table.id, two.id));
    const error = await expectServiceError(apiKeys.revoke(one.prefix), "conflict");
    expect(error.message).toContain("ambiguous");
    expect(error.message).toContain("id");
    expect((await apiKeys.list({ organization: team.organization.slug })).map((k) => k.revokedAt)).toEqual([null, null]);
    expect((await apiKeys.revoke(two.id)).revokedAt).not.toBeNull();
  });

  test("authenticate: the key's user, organization, role and scopes", async () => {
    const team = await createTeam(suite.services, "auth");
    const { key, apiKey } = await suite.services.apiKeys.create({ user: team.users.admin.username, organization: team.organization.slug, scopes: ["mcp:read"] });
    expect(await suite.services.apiKeys.authenticate(key)).toEqual({ actor: team.admin, scopes: ["mcp:read"], keyId: apiKey.id });
  });

  test("authenticate refuses a malformed key without asking the database, and an unknown one", async () => {
    const closed = await suite.open();
    const services = createServices(closed.db);
    await closed.dispose();
    for (const text of ["", "sk_live_", "sk_live_short", `${generateApiKey().key}x`, "not a key"]) {
      expect(await services.apiKeys.authenticate(text)).toEqual({ refused: expect.stringContaining("malformed") });
    }
    // The database is gone: a well-formed key does reach it, so the refusals above never did.
    await expect(services.apiKeys.authenticate(generateApiKey().key)).rejects.toThrow();
    expect(await suite.services.apiKeys.authenticate(generateApiKey().key)).toEqual({ refused: expect.stringContaining("unknown API key") });
  });

  test("authenticate sees a revocation at once, also one made by another process", async () => {
    const team = await createTeam(suite.services, "revoked");
    const { apiKeys } = suite.services;
    const base = { user: team.users.member.username, organization: team.organization.slug };
    const first = await apiKeys.create(base);
    expect(await apiKeys.authenticate(first.key)).toHaveProperty("actor");
    await apiKeys.revoke(first.apiKey.id);
    expect(await apiKeys.authenticate(first.key)).toEqual({ refused: expect.stringContaining("revoked") });
    const second = await apiKeys.create(base);
    expect(await apiKeys.authenticate(second.key)).toHaveProperty("actor");
    await otherProcess().apiKeys.revoke(second.apiKey.prefix);
    expect(await apiKeys.authenticate(second.key)).toEqual({ refused: expect.stringContaining("revoked") });
  });

  test("authenticate refuses an expired key from its expiry on", async () => {
    const team = await createTeam(suite.services, "expiry");
    const clock = manualClock();
    const { apiKeys } = createServices(suite.db, clock.now);
    const { key } = await apiKeys.create({ user: team.users.member.username, organization: team.organization.slug, expiresAt: new Date(clock.now().getTime() + 3_600_000) });
    clock.advance(3_600_000 - 1);
    expect(await apiKeys.authenticate(key)).toHaveProperty("actor");
    clock.advance(1);
    expect(await apiKeys.authenticate(key)).toEqual({ refused: expect.stringContaining("expired") });
  });

  test("authenticate refuses while the user is disabled, and once they left the organization", async () => {
    const team = await createTeam(suite.services, "gone");
    const { apiKeys, accounts } = suite.services;
    const { key } = await apiKeys.create({ user: team.users.member.username, organization: team.organization.slug });
    await accounts.setActive(team.users.member.username, false);
    expect(await apiKeys.authenticate(key)).toEqual({ refused: expect.stringContaining("disabled") });
    await accounts.setActive(team.users.member.username, true);
    expect(await apiKeys.authenticate(key)).toHaveProperty("actor");
    await accounts.setMembership(team.users.member.username, team.organization.slug, "viewer");
    expect(await apiKeys.authenticate(key)).toMatchObject({ actor: { role: "viewer" } });
    const { memberships } = suite.db.tables;
    await suite.db.orm.delete(memberships).where(and(eq(memberships.userId, team.users.member.id), eq(memberships.organizationId, team.organization.id)));
    expect(await apiKeys.authenticate(key)).toEqual({ refused: expect.stringContaining("no longer a member") });
  });

  test("authenticate records last use at most once a minute", async () => {
    const team = await createTeam(suite.services, "last-used");
    const clock = manualClock();
    const { apiKeys } = createServices(suite.db, clock.now);
    const { key, apiKey } = await apiKeys.create({ user: team.users.member.username, organization: team.organization.slug });
    const lastUsed = async () => (await storedRow(apiKey.id)).lastUsedAt?.toISOString() ?? null;
    expect(await lastUsed()).toBeNull();
    const firstUse = clock.now().toISOString();
    await apiKeys.authenticate(key);
    expect(await lastUsed()).toBe(firstUse);
    clock.advance(30_000);
    await apiKeys.authenticate(key);
    expect(await lastUsed()).toBe(firstUse);
    clock.advance(30_000);
    await apiKeys.authenticate(key);
    expect(await lastUsed()).toBe(firstUse);
    clock.advance(1);
    await apiKeys.authenticate(key);
    expect(await lastUsed()).toBe(clock.now().toISOString());
    expect((await apiKeys.list({ organization: team.organization.slug }))[0]!.lastUsedAt).toBe(clock.now().toISOString());
  });

  test("actor methods: anyone creates their own key; members see their own, admins and owners the organization's", async () => {
    const team = await createTeam(suite.services, "actors");
    const other = await createTeam(suite.services, "actors-other");
    const { apiKeys } = suite.services;
    const viewerKey = await apiKeys.createForActor(team.viewer, { name: "viewer key", scopes: ["mcp:read"] });
    expect(viewerKey.apiKey).toMatchObject({ userId: team.viewer.userId, organizationId: team.organization.id, scopes: ["mcp:read"] });
    expect(await apiKeys.authenticate(viewerKey.key)).toMatchObject({ actor: team.viewer, scopes: ["mcp:read"] });
    const memberKey = (await apiKeys.createForActor(team.member)).apiKey;
    const adminKey = (await apiKeys.createForActor(team.admin, { expiresAt: FAR_FUTURE })).apiKey;
    await apiKeys.createForActor(other.member);
    await expectServiceError(apiKeys.createForActor(team.member, { scopes: ["admin"] }), "invalid");
    expect((await apiKeys.listForActor(team.member)).map((k) => k.id)).toEqual([memberKey.id]);
    expect((await apiKeys.listForActor(team.viewer)).map((k) => k.id)).toEqual([viewerKey.apiKey.id]);
    const everyKey = [adminKey.id, memberKey.id, viewerKey.apiKey.id];
    expect((await apiKeys.listForActor(team.admin)).map((k) => k.id)).toEqual(everyKey);
    expect((await apiKeys.listForActor(team.owner)).map((k) => k.id)).toEqual(everyKey);
    await apiKeys.revoke(memberKey.id);
    expect(await apiKeys.listForActor(team.member)).toEqual([]);
    expect((await apiKeys.listForActor(team.member, { includeRevoked: true })).map((k) => k.id)).toEqual([memberKey.id]);
  });

  test("revokeForActor: one's own key; an admin's or owner's any key of the organization; another organization's is not found", async () => {
    const team = await createTeam(suite.services, "revokers");
    const other = await createTeam(suite.services, "revokers-other");
    const { apiKeys } = suite.services;
    const memberKey = (await apiKeys.createForActor(team.member)).apiKey;
    const viewerKey = (await apiKeys.createForActor(team.viewer)).apiKey;
    const adminKey = (await apiKeys.createForActor(team.admin)).apiKey;
    const foreignKey = (await apiKeys.createForActor(other.member)).apiKey;
    const forbidden = await expectServiceError(apiKeys.revokeForActor(team.member, viewerKey.id), "forbidden");
    expect(forbidden.message).toContain("API keys");
    await expectServiceError(apiKeys.revokeForActor(team.viewer, adminKey.id), "forbidden");
    expect((await apiKeys.revokeForActor(team.member, memberKey.id)).revokedAt).not.toBeNull();
    expect((await apiKeys.revokeForActor(team.admin, viewerKey.id)).revokedAt).not.toBeNull();
    expect((await apiKeys.revokeForActor(team.owner, adminKey.id)).revokedAt).not.toBeNull();
    await expectServiceError(apiKeys.revokeForActor(team.admin, foreignKey.id), "not_found");
    await expectServiceError(apiKeys.revokeForActor(team.owner, "not-a-uuid"), "not_found");
    expect((await apiKeys.list({ organization: other.organization.slug }))[0]!.revokedAt).toBeNull();
  });

  test("deleting the organization or the user deletes their keys", async () => {
    const team = await createTeam(suite.services, "cascade");
    const { apiKeys } = suite.services;
    const { key, apiKey } = await apiKeys.create({ user: team.users.member.username, organization: team.organization.slug });
    const adminKey = (await apiKeys.create({ user: team.users.admin.username, organization: team.organization.slug })).apiKey;
    const { users, organizations, apiKeys: table } = suite.db.tables;
    const stored = async (id: string) => suite.db.orm.select().from(table).where(eq(table.id, id));
    await suite.db.orm.delete(users).where(eq(users.id, team.users.member.id));
    expect(await stored(apiKey.id)).toEqual([]);
    expect(await apiKeys.authenticate(key)).toEqual({ refused: expect.stringContaining("unknown") });
    expect(await stored(adminKey.id)).toHaveLength(1);
    await suite.db.orm.delete(organizations).where(eq(organizations.id, team.organization.id));
    expect(await stored(adminKey.id)).toEqual([]);
  });
});
