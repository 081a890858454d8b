/** Host service contract: registration, token authentication, machine-id binding, presence, access and the operator's lookups. */
import { describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { generateHostToken, hashHostToken, HOST_TOKEN_PREFIX, isWellFormedHostToken, looksLikeHostToken } from "../../src/auth/host-token-format.ts";
import { looksLikeApiKey } from "../../src/auth/api-key-format.ts";
import { createServices } from "../../src/services/index.ts";
import { UNNAMED_HOST_NAME } from "../../src/services/hosts.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { addUser, createTeam, type Team } from "../helpers/fixtures.ts";
import { expectServiceError } from "../helpers/service-errors.ts";

/** A fresh machine id: 32 lowercase hex characters. */
const newMachineId = () => crypto.randomUUID().replaceAll("-", "");
const hello = (machineId: string, extra: { name?: string } = {}) => ({ machineId, platform: "linux", agentVersion: "0.1.0", ...extra });

describe("host token format", () => {
  test("a generated token is sk_host_ and 43 base64url characters; hash and display prefix follow from it", () => {
    const { token, hash, displayPrefix } = generateHostToken();
    expect(token).toMatch(/^sk_host_[A-Za-z0-9_-]{43}$/);
    expect(isWellFormedHostToken(token)).toBe(true);
    expect(hash).toBe(new Bun.CryptoHasher("sha256").update(token).digest("hex"));
    expect(hashHostToken(token)).toBe(hash);
    expect(displayPrefix).toBe(token.slice(0, HOST_TOKEN_PREFIX.length + 4));
    expect(generateHostToken().token).not.toBe(token);
  });

  test("well-formed means exactly that shape; a host token never looks like an API key", () => {
    const token = generateHostToken().token;
    for (const text of [token.slice(0, -1), `${token}A`, `${token.slice(0, -1)}=`, `sk_live_${token.slice(8)}`, ` ${token}`, ""]) expect(isWellFormedHostToken(text)).toBe(false);
    expect(looksLikeHostToken("sk_host_short")).toBe(true);
    expect(looksLikeHostToken("sk_live_x")).toBe(false);
    expect(looksLikeApiKey(token)).toBe(false);
  });
});

describeEachDatabase("hosts service", (suite) => {
  const hostRow = async (registrationId: string) => {
    const { hosts } = suite.db.tables;
    return (await suite.db.orm.select().from(hosts).where(eq(hosts.id, registrationId)))[0]!;
  };

  /** A registration of the team's member, connected from a fresh machine. */
  async function connectedHost(team: Team, name = "build box") {
    const { hosts } = suite.services;
    const { host, token } = await hosts.register({ organizationId: team.organization.id, ownerUserId: team.users.member.id, name });
    const machineId = newMachineId();
    const connected = await hosts.recordConnection(host.registrationId, hello(machineId));
    if ("refused" in connected) throw new Error(connected.refused);
    return { host: connected.host, token, machineId };
  }

  test("register returns the token once; only its hash and prefix are stored; the owner has access", async () => {
    const team = await createTeam(suite.services, "register");
    const { host, token } = await suite.services.hosts.register({ organizationId: team.organization.slug, ownerUserId: team.users.member.username, name: "  laptop  " });
    expect(isWellFormedHostToken(token)).toBe(true);
    expect(host).toEqual({
      registrationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      id: null,
      organizationId: team.organization.id,
      ownerUserId: team.users.member.id,
      name: "laptop",
      platform: null,
      agentVersion: null,
      lastSeenAt: null,
      createdAt: expect.stringMatching(/Z$/),
      revokedAt: null,
      tokenPrefix: token.slice(0, 12),
    });
    const row = await hostRow(host.registrationId);
    expect(row.tokenHash).toBe(hashHostToken(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(12));
    const [listed] = await suite.services.hosts.listForOrganization(team.organization.id);
    expect(listed).toEqual({
      ...host,
      organizationSlug: team.organization.slug,
      ownerUsername: team.users.member.username,
      users: [expect.objectContaining({ userId: team.users.member.id, role: "owner", grantedByUserId: null })],
    });
  });

  test("register refuses a blank or long name, a disabled owner, a non-member; unknown names are not found", async () => {
    const team = await createTeam(suite.services, "register-refuse");
    const other = await createTeam(suite.services, "register-other");
    const { hosts, accounts } = suite.services;
    const base = { organizationId: team.organization.id, ownerUserId: team.users.member.id };
    expect((await expectServiceError(hosts.register({ ...base, name: "   " }), "invalid")).message).toContain("must not be blank");
    await expectServiceError(hosts.register({ ...base, name: "x".repeat(201) }), "invalid");
    expect((await hosts.register({ ...base, name: "x".repeat(200) })).host.name).toHaveLength(200);
    expect((await hosts.register(base)).host.name).toBe(UNNAMED_HOST_NAME);
    expect((await expectServiceError(hosts.register({ ...base, ownerUserId: other.users.member.id }), "invalid")).message).toContain("not a member");
    const disabled = (await addUser(suite.services, team.organization, "member", "disabled")).user;
    await accounts.setActive(disabled.id, false);
    expect((await expectServiceError(hosts.register({ ...base, ownerUserId: disabled.id }), "invalid")).message).toContain("disabled");
    await expectServiceError(hosts.register({ ...base, organizationId: "no-such-org" }), "not_found");
    await expectServiceError(hosts.register({ ...base, ownerUserId: "no-such-user" }), "not_found");
    expect(await hosts.listForOrganization(team.organization.id)).toHaveLength(2);
  });

  test("authenticateToken: the registration for a good token; null for malformed, unknown, revoked, disabled owner, removed member", async () => {
    const team = await createTeam(suite.services, "auth");
    const { hosts, accounts } = suite.services;
    const { host, token } = await hosts.register({ organizationId: team.organization.id, ownerUserId: team.users.admin.id, name: "a" });
    expect(await hosts.authenticateToken(token)).toEqual(host);
    expect(await hosts.authenticateToken(generateHostToken().token)).toBeNull();

    // Malformed tokens are refused without a query: the database here is closed.
    const closed = await suite.open();
    const offline = createServices(closed.db);
    await closed.dispose();
    for (const text of ["", "sk_host_", "sk_host_short", `${token}x`, token.replace("sk_host_", "sk_live_")]) expect(await offline.hosts.authenticateToken(text)).toBeNull();
    await expect(offline.hosts.authenticateToken(token)).rejects.toThrow();

    const disabled = await addUser(suite.services, team.organization, "member", "off");
    const disabledHost = await hosts.register({ organizationId: team.organization.id, ownerUserId: disabled.user.id, name: "b" });
    expect(await hosts.authenticateToken(disabledHost.token)).not.toBeNull();
    await accounts.setActive(disabled.user.id, false);
    expect(await hosts.authenticateToken(disabledHost.token)).toBeNull();

    const leaving = await addUser(suite.services, team.organization, "member", "leaving");
    const leavingHost = await hosts.register({ organizationId: team.organization.id, ownerUserId: leaving.user.id, name: "c" });
    const { memberships } = suite.db.tables;
    await suite.db.orm.delete(memberships).where(and(eq(memberships.organizationId, team.organization.id), eq(memberships.userId, leaving.user.id)));
    expect(await hosts.authenticateToken(leavingHost.token)).toBeNull();

    await hosts.revoke(host.registrationId);
    expect(await hosts.authenticateToken(token)).toBeNull();
    // Revoked through another process: the next check sees it.
    const again = await hosts.register({ organizationId: team.organization.id, ownerUserId: team.users.admin.id, name: "d" });
    await createServices(suite.db).hosts.revoke(again.host.registrationId);
    expect(await hosts.authenticateToken(again.token)).toBeNull();
  });

  test("recordConnection binds the machine id on first connect, stores what the agent reports, and accepts the same machine again", async () => {
    const team = await createTeam(suite.services, "bind");
    const { hosts } = suite.services;
    const { host } = await hosts.register({ organizationId: team.organization.id, ownerUserId: team.users.member.id, name: "chosen" });
    const machineId = newMachineId();
    const first = await hosts.recordConnection(host.registrationId, hello(machineId, { name: "reported" }));
    expect(first).toEqual({ host: { ...host, id: machineId, platform: "linux", agentVersion: "0.1.0", lastSeenAt: expect.stringMatching(/Z$/) } });
    const second = await hosts.recordConnection(host.registrationId, { machineId, platform: "darwin", agentVersion: "0.2.0", name: "other" });
    expect(second).toEqual({ host: expect.objectContaining({ id: machineId, name: "chosen", platform: "darwin", agentVersion: "0.2.0" }) });
    if ("host" in first && "host" in second) expect(Date.parse(second.host.lastSeenAt!)).toBeGreaterThan(Date.parse(first.host.lastSeenAt!));

    const unnamed = await hosts.register({ organizationId: team.organization.id, ownerUserId: team.users.member.id });
    expect(await hosts.recordConnection(unnamed.host.registrationId, hello(newMachineId(), { name: " devbox " }))).toEqual({ host: expect.objectContaining({ name: "devbox" }) });
  });

  test("recordConnection refuses another machine, a machine another live registration has, a malformed id, a revoked registration", async () => {
    const team = await createTeam(suite.services, "refuse-bind");
    const other = await createTeam(suite.services, "refuse-bind-other");
    const { hosts } = suite.services;
    const { host, machineId } = await connectedHost(team);
    const stranger = newMachineId();
    expect(await hosts.recordConnection(host.registrationId, hello(stranger))).toEqual({
      refused: `this token was registered for host ${machineId}; register this machine with \`superset hosts register\``,
    });
    expect((await hostRow(host.registrationId)).machineId).toBe(machineId);

    const twin = await hosts.register({ organizationId: team.organization.id, ownerUserId: team.users.admin.id, name: "twin" });
    const refused = await hosts.recordConnection(twin.host.registrationId, hello(machineId));
    expect(refused).toEqual({ refused: expect.stringContaining(`host ${machineId} is already registered in this organization`) });
    expect((await hostRow(twin.host.registrationId)).machineId).toBeNull();
    // The same machine may serve another organization, and, once the first registration is revoked, this one.
    const elsewhere = await hosts.register({ organizationId: other.organization.id, ownerUserId: other.users.member.id, name: "shared" });
    expect(await hosts.recordConnection(elsewhere.host.registrationId, hello(machineId))).toHaveProperty("host");
    await hosts.revoke(host.registrationId);
    expect(await hosts.recordConnection(twin.host.registrationId, hello(machineId))).toEqual({ host: expect.objectContaining({ id: machineId }) });
    expect(await hosts.recordConnection(host.registrationId, hello(machineId))).toEqual({ refused: expect.stringContaining("revoked") });

    for (const bad of ["", "ABCDEF0123456789ABCDEF0123456789", "abc", `${newMachineId()}0`]) {
      expect(await hosts.recordConnection(twin.host.registrationId, hello(bad))).toEqual({ refused: expect.stringContaining("32 lowercase hex") });
    }
    for (const result of [await hosts.recordConnection(crypto.randomUUID(), hello(newMachineId())), await hosts.recordConnection("nope", hello(newMachineId()))]) {
      expect(result).toHaveProperty("refused");
    }
    for (const sentence of [refused]) if ("refused" in sentence) expect(sentence.refused.length).toBeLessThanOrEqual(120);
  });

  test("touchLastSeen moves last_seen_at forward, never back", async () => {
    const team = await createTeam(suite.services, "seen");
    const { host } = await connectedHost(team);
    const later = new Date("2031-01-01T00:00:00.000Z");
    await suite.services.hosts.touchLastSeen(host.registrationId, later);
    expect((await hostRow(host.registrationId)).lastSeenAt).toEqual(later);
    await suite.services.hosts.touchLastSeen(host.registrationId, new Date("2030-06-01T00:00:00.000Z"));
    expect((await hostRow(host.registrationId)).lastSeenAt).toEqual(later);
    await suite.services.hosts.touchLastSeen("not-a-uuid", later);
  });

  test("listForActor: the organization's live, connected hosts the actor has access to (an admin: all of them), by name", async () => {
    const team = await createTeam(suite.services, "list");
    const other = await createTeam(suite.services, "list-other");
    const { hosts } = suite.services;
    const zulu = await connectedHost(team, "zulu");
    const alpha = await connectedHost(team, "alpha");
    const revoked = await connectedHost(team, "revoked");
    await hosts.revoke(revoked.host.registrationId);
    await hosts.register({ organizationId: team.organization.id, ownerUserId: team.users.member.id, name: "never connected" });
    await connectedHost(other, "foreign");
    expect((await hosts.listForActor(team.member)).map((host) => host.name)).toEqual(["alpha", "zulu"]);
    expect((await hosts.listForActor(team.member))[0]).toEqual(alpha.host);
    // docs/authentication.md#roles: an admin (and the owner) may use every host of the organization; a member only those granted.
    expect(await hosts.listForActor(team.admin)).toEqual([alpha.host, zulu.host]);
    expect(await hosts.listForActor(team.owner)).toEqual([alpha.host, zulu.host]);
    expect(await hosts.listForActor(team.viewer)).toEqual([]);
    expect((await hosts.grant({ registrationId: zulu.host.registrationId, userId: team.users.viewer.id, grantedByUserId: team.users.admin.id })).created).toBe(true);
    expect(await hosts.listForActor(team.viewer)).toEqual([zulu.host]);
  });

  test("findForActor: by machine id with access; a foreign organization's host is not found, never forbidden", async () => {
    const team = await createTeam(suite.services, "find");
    const other = await createTeam(suite.services, "find-other");
    const { hosts } = suite.services;
    const mine = await connectedHost(team);
    const foreign = await connectedHost(other);
    expect(await hosts.findForActor(team.member, mine.machineId)).toEqual(mine.host);
    expect(await hosts.findForActor(team.member, mine.machineId.toUpperCase())).toEqual(mine.host);
    const error = await expectServiceError(hosts.findForActor(team.member, foreign.machineId), "not_found");
    expect(error.message).toBe(`Host "${foreign.machineId}" not found in organization ${team.organization.slug}; call hosts_list for the hosts you may use.`);
    expect(await hosts.findForActor(team.admin, mine.machineId)).toEqual(mine.host);
    await expectServiceError(hosts.findForActor(team.viewer, mine.machineId), "not_found");
    await expectServiceError(hosts.findForActor(team.admin, foreign.machineId), "not_found");
    await expectServiceError(hosts.findForActor(team.member, "not a machine id"), "not_found");
    await expectServiceError(hosts.findForActor(team.member, mine.host.registrationId), "not_found");
    await hosts.revoke(mine.host.registrationId);
    await expectServiceError(hosts.findForActor(team.member, mine.machineId), "not_found");
  });

  test("grant and revokeAccess: members only, idempotent, the owner's access stays", async () => {
    const team = await createTeam(suite.services, "grant");
    const other = await createTeam(suite.services, "grant-other");
    const { hosts } = suite.services;
    const { host, machineId } = await connectedHost(team);
    const input = { registrationId: host.registrationId, userId: team.users.viewer.username, grantedByUserId: null };
    const granted = await hosts.grant(input);
    expect(granted).toEqual({
      access: { userId: team.users.viewer.id, username: team.users.viewer.username, role: "user", grantedByUserId: null, createdAt: expect.stringMatching(/Z$/) },
      created: true,
    });
    expect(await hosts.grant(input)).toEqual({ ...granted, created: false });
    expect((await hosts.findForActor(team.viewer, machineId)).registrationId).toBe(host.registrationId);
    expect((await expectServiceError(hosts.grant({ ...input, userId: other.users.member.id }), "invalid")).message).toContain("not a member");
    await expectServiceError(hosts.grant({ ...input, registrationId: crypto.randomUUID() }), "not_found");
    await expectServiceError(hosts.grant({ ...input, userId: "nobody-at-all" }), "not_found");

    expect((await expectServiceError(hosts.revokeAccess({ registrationId: host.registrationId, userId: team.users.member.id }), "invalid")).message).toContain("owns host");
    expect(await hosts.revokeAccess({ registrationId: host.registrationId, userId: team.users.viewer.id })).toBe(true);
    expect(await hosts.revokeAccess({ registrationId: host.registrationId, userId: team.users.viewer.id })).toBe(false);
    await expectServiceError(hosts.findForActor(team.viewer, machineId), "not_found");
    expect((await hosts.listForOrganization(team.organization.id))[0]!.users.map((user) => user.role)).toEqual(["owner"]);

    await hosts.revoke(host.registrationId);
    expect((await expectServiceError(hosts.grant(input), "invalid")).message).toContain("revoked");
  });

  test("revoke: idempotent, drops the host's records, and listForOrganization shows it only when asked", async () => {
    const team = await createTeam(suite.services, "revoke");
    const { hosts } = suite.services;
    const { host } = await connectedHost(team, "old");
    const projectId = crypto.randomUUID();
    const at = new Date("2030-02-01T00:00:00.000Z");
    expect(await hosts.saveProject(host, { id: projectId, name: "p", repoPath: "/r", repoUrl: null, defaultBranch: "main", createdAt: at.toISOString(), updatedAt: at.toISOString() }, at)).toBe(true);
    const revoked = await hosts.revoke(host.registrationId);
    expect(revoked).toEqual({ ...host, revokedAt: expect.stringMatching(/Z$/) });
    expect(await hosts.revoke(host.registrationId)).toEqual(revoked);
    expect(await hosts.findProject(host, projectId)).toBeNull();
    await expectServiceError(hosts.revoke(crypto.randomUUID()), "not_found");
    expect(await hosts.listForOrganization(team.organization.slug)).toEqual([]);
    expect((await hosts.listForOrganization(team.organization.slug, { includeRevoked: true })).map((entry) => entry.revokedAt)).toEqual([revoked.revokedAt]);
  });

  test("findInOrganization: by registration id, machine id or name; a shared name is ambiguous; other organizations' hosts are not found", async () => {
    const team = await createTeam(suite.services, "lookup");
    const other = await createTeam(suite.services, "lookup-other");
    const { hosts } = suite.services;
    const { host, machineId } = await connectedHost(team, "unique");
    const org = team.organization.slug;
    expect(await hosts.findInOrganization(org, host.registrationId)).toEqual(host);
    expect(await hosts.findInOrganization(org, machineId)).toEqual(host);
    expect(await hosts.findInOrganization(team.organization.id, "unique")).toEqual(host);
    await connectedHost(team, "twice");
    await connectedHost(team, "twice");
    expect((await expectServiceError(hosts.findInOrganization(org, "twice"), "conflict")).message).toContain("registration id");
    expect((await expectServiceError(hosts.findInOrganization(other.organization.slug, machineId), "not_found")).message).toContain(other.organization.slug);
    await expectServiceError(hosts.findInOrganization(org, "missing"), "not_found");
    const revoked = await hosts.revoke(host.registrationId);
    expect(await hosts.findInOrganization(org, "unique")).toEqual(revoked);
  });
});
