/** Account service contract: organizations, users, passwords, memberships and actor resolution. */
import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { describeEachDatabase } from "../helpers/databases.ts";
import { uniqueName } from "../helpers/fixtures.ts";
import { expectServiceError } from "../helpers/service-errors.ts";

describeEachDatabase("accounts service", (suite) => {
  const storedHash = async (userId: string) => {
    const { users } = suite.db.tables;
    const rows = await suite.db.orm.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
    return rows[0]!.hash;
  };

  test("organizations: create, find by id or slug, list with member counts", async () => {
    const { accounts } = suite.services;
    const slug = uniqueName("acme");
    const created = await accounts.createOrganization({ name: "  Acme Inc ", slug });
    expect(created).toMatchObject({ name: "Acme Inc", slug });
    expect(await accounts.findOrganization(slug)).toEqual(created);
    expect(await accounts.findOrganization(created.id.toUpperCase())).toEqual(created);
    expect(await accounts.findOrganization("no-such-org")).toBeUndefined();
    const user = await accounts.createUser({ username: uniqueName("u") });
    await accounts.setMembership(user.username, slug, "member");
    const listed = (await accounts.listOrganizations()).find((organization) => organization.slug === slug);
    expect(listed).toEqual({ ...created, members: 1 });
  });

  test("requireActiveMember: the user and organization of an active member, else a sentence saying what to fix first", async () => {
    const { accounts } = suite.services;
    const organization = await accounts.createOrganization({ name: "Members", slug: uniqueName("members") });
    const user = await accounts.createUser({ username: uniqueName("m") });
    const outsider = await expectServiceError(accounts.requireActiveMember(user.username, organization.slug, "giving them a key"), "invalid");
    expect(outsider.message).toBe(`User "${user.username}" is not a member of organization "${organization.slug}"; add them to it before giving them a key.`);
    await accounts.setMembership(user.username, organization.slug, "admin");
    const member = await accounts.requireActiveMember(user.id, organization.id, "giving them a key");
    expect({ user: member.user.id, organization: member.organization.id, role: member.role }).toEqual({ user: user.id, organization: organization.id, role: "admin" });
    await accounts.setActive(user.username, false);
    const disabled = await expectServiceError(accounts.requireActiveMember(user.username, organization.slug, "giving them a key"), "invalid");
    expect(disabled.message).toBe(`User "${user.username}" is disabled; enable them before giving them a key.`);
    await expectServiceError(accounts.requireActiveMember("no-such-user", organization.slug, "giving them a key"), "not_found");
    await expectServiceError(accounts.requireActiveMember(user.username, "no-such-org", "giving them a key"), "not_found");
  });

  test("organizations: bad slug or empty name is invalid, a duplicate slug a conflict", async () => {
    const { accounts } = suite.services;
    await expectServiceError(accounts.createOrganization({ name: "X", slug: "Bad Slug" }), "invalid");
    await expectServiceError(accounts.createOrganization({ name: "X", slug: "-x" }), "invalid");
    await expectServiceError(accounts.createOrganization({ name: "   ", slug: uniqueName("ok") }), "invalid");
    const slug = uniqueName("twice");
    await accounts.createOrganization({ name: "Once", slug });
    const error = await expectServiceError(accounts.createOrganization({ name: "Twice", slug }), "conflict");
    expect(error.message).toContain(slug);
    await expectServiceError(accounts.requireOrganization("missing-org"), "not_found");
  });

  test("users: create, duplicate is a conflict, bad username invalid, list shows memberships", async () => {
    const { accounts } = suite.services;
    const username = uniqueName("dev");
    const user = await accounts.createUser({ username, name: " Dev Person ", email: "dev@example.com" });
    expect(user).toMatchObject({ username, name: "Dev Person", email: "dev@example.com", isActive: true, defaultOrganizationId: null });
    expect((await accounts.createUser({ username: uniqueName("plain") })).name).toMatch(/^plain-/);
    await expectServiceError(accounts.createUser({ username }), "conflict");
    await expectServiceError(accounts.createUser({ username: "has space" }), "invalid");
    await expectServiceError(accounts.createUser({ username: "" }), "invalid");
    const organization = await accounts.createOrganization({ name: "Org", slug: uniqueName("org") });
    await accounts.setMembership(username, organization.slug, "admin");
    const listed = (await accounts.listUsers()).find((row) => row.username === username);
    expect(listed).toEqual({ ...user, defaultOrganizationId: organization.id, organizations: [{ slug: organization.slug, role: "admin" }] });
    await expectServiceError(accounts.requireUser("nobody-here"), "not_found");
  });

  test("passwords: stored only as a hash that verifies; setPassword replaces it", async () => {
    const { accounts } = suite.services;
    const withPassword = await accounts.createUser({ username: uniqueName("pw"), password: "first-secret" });
    const first = await storedHash(withPassword.id);
    expect(first).not.toContain("first-secret");
    expect(await Bun.password.verify("first-secret", first!)).toBe(true);
    await accounts.setPassword(withPassword.username, "second-secret");
    const second = await storedHash(withPassword.id);
    expect(await Bun.password.verify("second-secret", second!)).toBe(true);
    expect(await Bun.password.verify("first-secret", second!)).toBe(false);
    const without = await accounts.createUser({ username: uniqueName("nopw") });
    expect(await storedHash(without.id)).toBeNull();
    await expectServiceError(accounts.setPassword("nobody-here", "whatever-secret"), "not_found");
  });

  test("memberships: the first organization becomes the default; setMembership changes the role", async () => {
    const { accounts } = suite.services;
    const first = await accounts.createOrganization({ name: "First", slug: uniqueName("first") });
    const second = await accounts.createOrganization({ name: "Second", slug: uniqueName("second") });
    const user = await accounts.createUser({ username: uniqueName("m") });
    await accounts.setMembership(user.username, first.slug, "viewer");
    await accounts.setMembership(user.username, second.id, "member");
    expect((await accounts.findUser(user.username))?.defaultOrganizationId).toBe(first.id);
    expect(await accounts.resolveActor(user.username)).toMatchObject({ organizationId: first.id, role: "viewer" });
    await accounts.setMembership(user.username, first.slug, "owner");
    expect(await accounts.resolveActor(user.username)).toEqual({ userId: user.id, username: user.username, organizationId: first.id, organizationSlug: first.slug, role: "owner" });
    expect(await accounts.resolveActor(user.username, second.slug)).toMatchObject({ organizationId: second.id, role: "member" });
    expect((await accounts.listOrganizations()).find((organization) => organization.id === first.id)?.members).toBe(1);
    await expectServiceError(accounts.setMembership(user.username, "no-such-org", "member"), "not_found");
    await expectServiceError(accounts.setMembership("nobody-here", first.slug, "member"), "not_found");
  });

  test("resolveActor refuses disabled users, foreign organizations and users without one", async () => {
    const { accounts } = suite.services;
    const home = await accounts.createOrganization({ name: "Home", slug: uniqueName("home") });
    const foreign = await accounts.createOrganization({ name: "Foreign", slug: uniqueName("foreign") });
    const user = await accounts.createUser({ username: uniqueName("r") });
    expect(await accounts.resolveActor(user.username)).toEqual({ refused: `user "${user.username}" belongs to no organization` });
    await accounts.setMembership(user.username, home.slug, "member");
    expect(await accounts.resolveActor(user.username, foreign.slug)).toEqual({ refused: `user "${user.username}" is not a member of organization "${foreign.slug}"` });
    expect(await accounts.resolveActor(user.username, foreign.id)).toHaveProperty("refused");
    expect(await accounts.resolveActor(user.username, "no-such-org")).toHaveProperty("refused");
    expect(await accounts.resolveActor("nobody-here")).toEqual({ refused: 'user "nobody-here" does not exist' });
    await accounts.setActive(user.username, false);
    expect((await accounts.findUser(user.username))?.isActive).toBe(false);
    expect(await accounts.resolveActor(user.username)).toEqual({ refused: `user "${user.username}" is disabled` });
    expect(await accounts.resolveActor(user.username, home.slug)).toHaveProperty("refused");
    await accounts.setActive(user.username, true);
    expect(await accounts.resolveActor(user.username)).toMatchObject({ userId: user.id, organizationSlug: home.slug });
  });
});
