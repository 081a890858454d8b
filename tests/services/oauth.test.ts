/**
 * OAuth and web-session services on both databases: clients, single-use codes, refresh-token
 * rotation with reuse detection, revocation, each user's connections, web sessions, and the
 * password check of the sign-in page.
 */
import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createServices, type Services } from "../../src/services/index.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { createTeam, uniqueName, type Team } from "../helpers/fixtures.ts";
import { expectServiceError } from "../helpers/service-errors.ts";

const sha256Hex = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const RESOURCE = "https://mcp.example.test/mcp";
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Strings a client or a form may send: quotes, markup, SQL, control and bidi characters, astral code points. */
const HOSTILE = [`'; DROP TABLE oauth_clients; --`, `<script>alert("x")</script>&amp;`, `back\\slash "quoted" \`tick\``, "tab\tnew\nline\r\u202eevil\u200b", "😀 ünïcödé 𝔘", "x".repeat(2000)];

describeEachDatabase("oauth services", (suite) => {
  /** Services on the suite's database with a clock the test moves by hand. */
  function servicesAt(start = "2031-03-01T00:00:00.000Z"): Services & { advance(ms: number): void } {
    let current = new Date(start).getTime();
    const services = createServices(suite.db, () => new Date(current));
    return Object.assign(services, { advance: (ms: number) => void (current += ms) });
  }

  async function publicClient(services: Services, name = "Claude") {
    return (await services.oauthClients.register({ name, redirectUris: ["http://127.0.0.1:33418/callback"], tokenEndpointAuthMethod: "none" })).client;
  }

  async function issue(services: Services, team: Team, overrides: { userId?: string; ttlMs?: number } = {}) {
    const client = await publicClient(services);
    const issued = await services.oauthGrants.issueCode({
      clientId: client.id,
      userId: overrides.userId ?? team.users.member.id,
      organizationId: team.organization.id,
      scopes: ["mcp:read", "mcp:write"],
      resource: RESOURCE,
      redirectUri: client.redirectUris[0]!,
      codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      ttlMs: overrides.ttlMs,
    });
    return { client, ...issued };
  }

  /** A grant whose code was redeemed, with its first refresh token. */
  async function connected(services: Services, team: Team, userId?: string) {
    const issued = await issue(services, team, { userId });
    const redeemed = await services.oauthGrants.redeemCode(issued.code);
    if ("refused" in redeemed) throw new Error(`fixture code refused: ${redeemed.refused}`);
    return { ...issued, grant: redeemed.grant, refreshToken: await services.oauthGrants.issueRefreshToken(issued.grantId) };
  }

  test("clients: a public client has no secret; a confidential one gets its secret once and only its hash is stored", async () => {
    const { oauthClients } = suite.services;
    const { client, secret } = await oauthClients.register({
      name: "Public",
      redirectUris: ["https://app.example.test/cb", "myapp:/cb"],
      tokenEndpointAuthMethod: "none",
      clientUri: "https://app.example.test",
    });
    expect(secret).toBeNull();
    expect(client).toMatchObject({ name: "Public", redirectUris: ["https://app.example.test/cb", "myapp:/cb"], tokenEndpointAuthMethod: "none", clientUri: "https://app.example.test" });
    expect(client.id).toMatch(/^mcp_[A-Za-z0-9_-]{22}$/);
    expect(client.createdAt).toMatch(/Z$/);
    expect(await oauthClients.find(client.id)).toEqual(client);
    expect(oauthClients.verifySecret((await oauthClients.find(client.id))!, "")).toBe(false);

    const confidential = await oauthClients.register({ name: "Server app", redirectUris: ["https://server.example.test/cb"], tokenEndpointAuthMethod: "client_secret_basic" });
    expect(confidential.secret).toMatch(TOKEN_PATTERN);
    const found = (await oauthClients.find(confidential.client.id))!;
    expect(oauthClients.verifySecret(found, confidential.secret!)).toBe(true);
    expect(oauthClients.verifySecret(found, `${confidential.secret!}x`)).toBe(false);
    expect(oauthClients.verifySecret(found, "")).toBe(false);
    expect(oauthClients.verifySecret({ ...found }, confidential.secret!)).toBe(false);
    const { oauthClients: table } = suite.db.tables;
    const row = (await suite.db.orm.select().from(table).where(eq(table.id, found.id)))[0]!;
    expect(row.secretHash).toBe(sha256Hex(confidential.secret!));
    expect(JSON.stringify(row)).not.toContain(confidential.secret!);

    expect(await oauthClients.find("mcp_nope")).toBeNull();
    expect(await oauthClients.find(HOSTILE[0]!)).toBeNull();
    await expectServiceError(oauthClients.register({ name: "x", redirectUris: [], tokenEndpointAuthMethod: "none" }), "invalid");
    await expectServiceError(oauthClients.register({ name: "x", redirectUris: ["https://x.test/cb"], tokenEndpointAuthMethod: "private_key_jwt" as "none" }), "invalid");
  });

  test("hostile strings are stored and read back exactly", async () => {
    const services = suite.services;
    const team = await createTeam(services, "hostile");
    for (const text of HOSTILE) {
      const { client } = await services.oauthClients.register({
        name: text,
        redirectUris: [`https://x.test/cb?q=${encodeURIComponent(text.slice(0, 50))}`, text],
        tokenEndpointAuthMethod: "none",
        clientUri: text,
      });
      const found = (await services.oauthClients.find(client.id))!;
      expect(found.name).toBe(text);
      expect(found.clientUri).toBe(text);
      expect(found.redirectUris[1]).toBe(text);
      const { code } = await services.oauthGrants.issueCode({
        clientId: client.id,
        userId: team.users.viewer.id,
        organizationId: team.organization.id,
        scopes: ["mcp:read"],
        resource: text,
        redirectUri: text,
        codeChallenge: text,
      });
      const redeemed = await services.oauthGrants.redeemCode(code);
      expect(redeemed).toMatchObject({ redirectUri: text, codeChallenge: text, grant: { resource: text } });
      expect(await services.oauthGrants.redeemCode(text)).toEqual({ refused: "unknown" });
      expect(await services.oauthGrants.rotateRefreshToken(text)).toEqual({ refused: "unknown" });
      expect(await services.webSessions.find(text)).toBeNull();
    }
    expect((await services.oauthGrants.listForUser(team.users.viewer.id)).map((connection) => connection.clientName).sort()).toEqual([...HOSTILE].sort());
  });

  test("codes: redeemed once for the grant; a second redemption is refused and revokes the grant", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "codes");
    const { code, grantId, client } = await issue(services, team);
    expect(code).toMatch(TOKEN_PATTERN);
    const { oauthCodes } = suite.db.tables;
    const row = (await suite.db.orm.select().from(oauthCodes).where(eq(oauthCodes.grantId, grantId)))[0]!;
    expect(row.hash).toBe(sha256Hex(code));
    expect(JSON.stringify(row)).not.toContain(code);

    const redeemed = await services.oauthGrants.redeemCode(code);
    expect(redeemed).toEqual({
      grant: {
        id: grantId,
        clientId: client.id,
        userId: team.users.member.id,
        organizationId: team.organization.id,
        scopes: ["mcp:read", "mcp:write"],
        resource: RESOURCE,
        createdAt: "2031-03-01T00:00:00.000Z",
        revokedAt: null,
      },
      redirectUri: "http://127.0.0.1:33418/callback",
      codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    });
    const refreshToken = await services.oauthGrants.issueRefreshToken(grantId);
    expect(await services.oauthGrants.isGrantActive(grantId)).toBe(true);

    expect(await services.oauthGrants.redeemCode(code)).toEqual({ refused: "used" });
    expect(await services.oauthGrants.isGrantActive(grantId)).toBe(false);
    expect(await services.oauthGrants.rotateRefreshToken(refreshToken)).toEqual({ refused: "revoked" });
    expect(await services.oauthGrants.redeemCode("not-a-code")).toEqual({ refused: "unknown" });
  });

  test("codes: concurrent redemptions, one wins", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "race");
    const { code } = await issue(services, team);
    // Independent service sets on one database, as several replicas would be.
    const results = await Promise.all(Array.from({ length: 6 }, () => createServices(suite.db, () => new Date("2031-03-01T00:00:10.000Z")).oauthGrants.redeemCode(code)));
    expect(results.filter((result) => "grant" in result)).toHaveLength(1);
  });

  test("codes: expire after their lifetime (60 s by default)", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "expiry");
    const first = await issue(services, team);
    const second = await issue(services, team, { ttlMs: 5_000 });
    services.advance(5_000);
    expect(await services.oauthGrants.redeemCode(second.code)).toEqual({ refused: "expired" });
    services.advance(54_999);
    expect(await services.oauthGrants.redeemCode(first.code)).toMatchObject({ grant: { id: first.grantId } });
    const third = await issue(services, team);
    services.advance(60_000);
    expect(await services.oauthGrants.redeemCode(third.code)).toEqual({ refused: "expired" });
    // An expired code is not a reused one: the grant stays as it was.
    expect(await services.oauthGrants.isGrantActive(third.grantId)).toBe(true);
  });

  test("a code of a revoked grant is refused", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "revoked-code");
    const { code, grantId } = await issue(services, team);
    expect(await services.oauthGrants.revokeGrant(grantId)).toBe(true);
    expect(await services.oauthGrants.redeemCode(code)).toEqual({ refused: "revoked" });
  });

  test("refresh tokens: each use rotates; a rotated token used again revokes the whole family", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "rotate");
    const { grant, refreshToken: first } = await connected(services, team);
    const { oauthRefreshTokens } = suite.db.tables;
    const stored = await suite.db.orm.select().from(oauthRefreshTokens).where(eq(oauthRefreshTokens.grantId, grant.id));
    expect(stored.map((row) => row.hash)).toEqual([sha256Hex(first)]);
    expect(stored[0]!.expiresAt.toISOString()).toBe(new Date(Date.parse("2031-03-01T00:00:00.000Z") + 30 * DAY_MS).toISOString());

    services.advance(MINUTE_MS);
    const rotated = await services.oauthGrants.rotateRefreshToken(first);
    if ("refused" in rotated) throw new Error(rotated.refused);
    expect(rotated.grant).toEqual(grant);
    expect(rotated.refreshToken).toMatch(TOKEN_PATTERN);
    expect(rotated.refreshToken).not.toBe(first);
    const next = await services.oauthGrants.rotateRefreshToken(rotated.refreshToken);
    if ("refused" in next) throw new Error(next.refused);
    expect(await services.oauthGrants.findGrantOfRefreshToken(first)).toEqual(grant);

    expect(await services.oauthGrants.rotateRefreshToken(first)).toEqual({ refused: "reused" });
    expect(await services.oauthGrants.isGrantActive(grant.id)).toBe(false);
    expect(await services.oauthGrants.rotateRefreshToken(next.refreshToken)).toEqual({ refused: "revoked" });
    expect((await services.oauthGrants.findGrantOfRefreshToken(next.refreshToken))!.revokedAt).toBe(new Date(Date.parse("2031-03-01T00:01:00.000Z")).toISOString());
    expect(await services.oauthGrants.findGrantOfRefreshToken("nope")).toBeNull();
  });

  test("refresh tokens: concurrent rotations of one token, one wins", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "rotate-race");
    const { refreshToken } = await connected(services, team);
    const results = await Promise.all(Array.from({ length: 6 }, () => createServices(suite.db, () => new Date("2031-03-01T00:00:10.000Z")).oauthGrants.rotateRefreshToken(refreshToken)));
    expect(results.filter((result) => "refreshToken" in result)).toHaveLength(1);
  });

  test("refresh tokens: expire after 30 days, or the lifetime given", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "refresh-expiry");
    const { grant, refreshToken } = await connected(services, team);
    const short = await services.oauthGrants.issueRefreshToken(grant.id, MINUTE_MS);
    services.advance(MINUTE_MS);
    expect(await services.oauthGrants.rotateRefreshToken(short)).toEqual({ refused: "expired" });
    services.advance(30 * DAY_MS - MINUTE_MS - 1);
    const rotated = await services.oauthGrants.rotateRefreshToken(refreshToken);
    if ("refused" in rotated) throw new Error(rotated.refused);
    services.advance(30 * DAY_MS);
    expect(await services.oauthGrants.rotateRefreshToken(rotated.refreshToken)).toEqual({ refused: "expired" });
    expect(await services.oauthGrants.isGrantActive(grant.id)).toBe(true);
  });

  test("old rows are cleaned up: expired refresh tokens of a grant when it gets a new one, codes a day after they expired", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "cleanup");
    const { grant, refreshToken, code } = await connected(services, team);
    const { oauthRefreshTokens, oauthCodes } = suite.db.tables;
    const tokensOf = async () => (await suite.db.orm.select().from(oauthRefreshTokens).where(eq(oauthRefreshTokens.grantId, grant.id))).length;
    const rotated = await services.oauthGrants.rotateRefreshToken(refreshToken);
    if ("refused" in rotated) throw new Error(rotated.refused);
    expect(await tokensOf()).toBe(2);
    services.advance(30 * DAY_MS + 1);
    await services.oauthGrants.issueRefreshToken(grant.id);
    expect(await tokensOf()).toBe(1);

    const codeRow = async () =>
      (
        await suite.db.orm
          .select()
          .from(oauthCodes)
          .where(eq(oauthCodes.hash, sha256Hex(code)))
      ).length;
    expect(await codeRow()).toBe(1);
    await issue(services, team);
    expect(await codeRow()).toBe(0);
  });

  test("revokeGrant stops the family; revoking twice reports that nothing changed", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "revoke");
    const { grant, refreshToken } = await connected(services, team);
    expect(await services.oauthGrants.revokeGrant(grant.id)).toBe(true);
    expect(await services.oauthGrants.revokeGrant(grant.id)).toBe(false);
    expect(await services.oauthGrants.revokeGrant("not-a-uuid")).toBe(false);
    expect(await services.oauthGrants.isGrantActive(grant.id)).toBe(false);
    expect(await services.oauthGrants.isGrantActive("not-a-uuid")).toBe(false);
    expect(await services.oauthGrants.rotateRefreshToken(refreshToken)).toEqual({ refused: "revoked" });
    expect(await services.oauthGrants.findGrant(grant.id)).toMatchObject({ id: grant.id, revokedAt: "2031-03-01T00:00:00.000Z" });
  });

  test("connections: each user sees and revokes only their own", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "connections");
    const mine = await connected(services, team, team.users.member.id);
    services.advance(1000);
    const mineToo = await connected(services, team, team.users.member.id);
    const theirs = await connected(services, team, team.users.admin.id);

    const listed = await services.oauthGrants.listForUser(team.users.member.id);
    expect(listed.map((connection) => connection.id)).toEqual([mineToo.grantId, mine.grantId]);
    expect(listed[0]).toEqual({
      id: mineToo.grantId,
      clientId: mineToo.client.id,
      clientName: "Claude",
      clientUri: null,
      organizationId: team.organization.id,
      organizationSlug: team.organization.slug,
      organizationName: team.organization.name,
      scopes: ["mcp:read", "mcp:write"],
      createdAt: "2031-03-01T00:00:01.000Z",
      lastUsedAt: null,
    });
    expect((await services.oauthGrants.listForUser(team.users.admin.id)).map((connection) => connection.id)).toEqual([theirs.grantId]);
    expect(await services.oauthGrants.listForUser("not-a-uuid")).toEqual([]);

    expect(await services.oauthGrants.revokeForUser(team.users.member.id, theirs.grantId)).toBe(false);
    expect(await services.oauthGrants.isGrantActive(theirs.grantId)).toBe(true);
    expect(await services.oauthGrants.revokeForUser(team.users.member.id, "not-a-uuid")).toBe(false);
    expect(await services.oauthGrants.revokeForUser(team.users.member.id, mine.grantId)).toBe(true);
    expect(await services.oauthGrants.revokeForUser(team.users.member.id, mine.grantId)).toBe(false);
    expect(await services.oauthGrants.rotateRefreshToken(mine.refreshToken)).toEqual({ refused: "revoked" });
    expect((await services.oauthGrants.listForUser(team.users.member.id)).map((connection) => connection.id)).toEqual([mineToo.grantId]);
    expect((await services.oauthGrants.listForUser(team.users.admin.id)).map((connection) => connection.id)).toEqual([theirs.grantId]);
  });

  test("touch records the last use at most once a minute", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "touch");
    const { grant } = await connected(services, team);
    const lastUsed = async () => (await services.oauthGrants.listForUser(team.users.member.id)).find((connection) => connection.id === grant.id)!.lastUsedAt;
    await services.oauthGrants.touch(grant.id);
    expect(await lastUsed()).toBe("2031-03-01T00:00:00.000Z");
    services.advance(MINUTE_MS);
    await services.oauthGrants.touch(grant.id);
    expect(await lastUsed()).toBe("2031-03-01T00:00:00.000Z");
    services.advance(1);
    await services.oauthGrants.touch(grant.id);
    expect(await lastUsed()).toBe("2031-03-01T00:01:00.001Z");
    await services.oauthGrants.touch("not-a-uuid");
  });

  test("web sessions: found until they expire, ended one by one or all of a user's at once; only hashes are stored", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "sessions");
    const userId = team.users.member.id;
    const first = await services.webSessions.create(userId, 3600);
    expect(first.token).toMatch(TOKEN_PATTERN);
    expect(first.expiresAt).toBe("2031-03-01T01:00:00.000Z");
    expect(await services.webSessions.find(first.token)).toEqual({ userId, expiresAt: first.expiresAt });
    const { webSessions } = suite.db.tables;
    const rows = await suite.db.orm.select().from(webSessions).where(eq(webSessions.userId, userId));
    expect(rows.map((row) => row.hash)).toEqual([sha256Hex(first.token)]);

    services.advance(3600 * 1000 - 1);
    expect(await services.webSessions.find(first.token)).not.toBeNull();
    services.advance(1);
    expect(await services.webSessions.find(first.token)).toBeNull();

    const second = await services.webSessions.create(userId, 3600);
    const third = await services.webSessions.create(userId, 3600);
    const other = await services.webSessions.create(team.users.admin.id, 3600);
    // Starting a session cleared the user's expired one.
    expect((await suite.db.orm.select().from(webSessions).where(eq(webSessions.userId, userId))).length).toBe(2);
    await services.webSessions.delete(second.token);
    expect(await services.webSessions.find(second.token)).toBeNull();
    expect(await services.webSessions.find(third.token)).not.toBeNull();
    await services.webSessions.deleteForUser(userId);
    expect(await services.webSessions.find(third.token)).toBeNull();
    expect(await services.webSessions.find(other.token)).toEqual({ userId: team.users.admin.id, expiresAt: other.expiresAt });
    await services.webSessions.deleteForUser("not-a-uuid");
  });

  test("verifyPassword: the user for the right password; null for a wrong one, an unknown, disabled or password-less user", async () => {
    const { accounts } = suite.services;
    const username = uniqueName("signin");
    const user = await accounts.createUser({ username, password: "correct horse" });
    expect(await accounts.verifyPassword(username, "correct horse")).toEqual(user);
    expect(await accounts.verifyPassword(username, "correct horse ")).toBeNull();
    expect(await accounts.verifyPassword(username, "")).toBeNull();
    expect(await accounts.verifyPassword(username.toUpperCase(), "correct horse")).toBeNull();
    expect(await accounts.verifyPassword(uniqueName("nobody"), "correct horse")).toBeNull();
    expect(await accounts.verifyPassword(user.id, "correct horse")).toBeNull();
    const passwordless = await accounts.createUser({ username: uniqueName("nopw") });
    expect(await accounts.verifyPassword(passwordless.username, "")).toBeNull();
    expect(await accounts.verifyPassword(passwordless.username, "anything")).toBeNull();
    await accounts.setActive(username, false);
    expect(await accounts.verifyPassword(username, "correct horse")).toBeNull();
    for (const text of HOSTILE) expect(await accounts.verifyPassword(text, text)).toBeNull();
  });

  test("verifyPassword takes about as long for an unknown user as for a wrong password", async () => {
    const { accounts } = suite.services;
    const username = uniqueName("timing");
    await accounts.createUser({ username, password: "right" });
    const time = async (name: string) => {
      const started = performance.now();
      await accounts.verifyPassword(name, "wrong");
      return performance.now() - started;
    };
    const known = Math.min(await time(username), await time(username));
    const unknown = Math.min(await time(uniqueName("ghost")), await time(uniqueName("ghost")));
    // Both run one argon2id verify (tens of milliseconds); a skipped verify would take well under a millisecond.
    expect(unknown).toBeGreaterThan(known / 3);
  });

  test("organizationsOf lists the user's organizations by name with the role; findUserById", async () => {
    const { accounts } = suite.services;
    const user = await accounts.createUser({ username: uniqueName("multi") });
    const zulu = await accounts.createOrganization({ name: "Zulu", slug: uniqueName("zulu") });
    const alpha = await accounts.createOrganization({ name: "Alpha", slug: uniqueName("alpha") });
    await accounts.createOrganization({ name: "Other", slug: uniqueName("other") });
    await accounts.setMembership(user.id, zulu.slug, "owner");
    await accounts.setMembership(user.id, alpha.slug, "viewer");
    expect(await accounts.organizationsOf(user.id)).toEqual([
      { id: alpha.id, slug: alpha.slug, name: "Alpha", role: "viewer" },
      { id: zulu.id, slug: zulu.slug, name: "Zulu", role: "owner" },
    ]);
    expect(await accounts.organizationsOf("not-a-uuid")).toEqual([]);
    expect(await accounts.findUserById(user.id)).toEqual({ ...user, defaultOrganizationId: zulu.id });
    expect(await accounts.findUserById(user.id.toUpperCase())).toEqual({ ...user, defaultOrganizationId: zulu.id });
    expect(await accounts.findUserById(crypto.randomUUID())).toBeNull();
    expect(await accounts.findUserById(user.username)).toBeNull();
  });

  test("signing key rows: add, list newest first, retire the current one", async () => {
    const services = servicesAt();
    const { signingKeys } = services;
    const before = (await signingKeys.list()).length;
    await signingKeys.add({ id: uniqueName("kid"), algorithm: "ES256", publicJwk: "{}", privateKey: "v1.a.b" });
    services.advance(1000);
    const newer = uniqueName("kid");
    await signingKeys.add({ id: newer, algorithm: "ES256", publicJwk: '{"x":1}', privateKey: "v1.c.d", createdAt: new Date("2031-03-01T00:00:05.000Z") });
    const listed = await signingKeys.list();
    expect(listed).toHaveLength(before + 2);
    expect(listed[0]).toEqual({ id: newer, algorithm: "ES256", publicJwk: '{"x":1}', privateKey: "v1.c.d", createdAt: new Date("2031-03-01T00:00:05.000Z"), retiredAt: null });
    await signingKeys.retireCurrent(new Date("2031-03-02T00:00:00.000Z"));
    expect((await signingKeys.list()).every((row) => row.retiredAt !== null)).toBe(true);
  });

  test("deleting a user removes their grants, tokens and sessions", async () => {
    const services = servicesAt();
    const team = await createTeam(services, "cascade");
    const { grant, refreshToken } = await connected(services, team);
    const session = await services.webSessions.create(team.users.member.id, 3600);
    await suite.db.orm.delete(suite.db.tables.users).where(eq(suite.db.tables.users.id, team.users.member.id));
    expect(await services.oauthGrants.findGrant(grant.id)).toBeNull();
    expect(await services.oauthGrants.rotateRefreshToken(refreshToken)).toEqual({ refused: "unknown" });
    expect(await services.webSessions.find(session.token)).toBeNull();
  });
});
