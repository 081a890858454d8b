/** Organizations, users and memberships: what the CLI manages and what credentials resolve to. */
import { and, asc, count, eq } from "drizzle-orm";
import type { MemberRole } from "../db/schema/values.ts";
import type { Actor } from "./actor.ts";
import { iso, isUuid, newId, type ServiceContext } from "./context.ts";
import { conflict, invalid, isUniqueViolation, notFound } from "./errors.ts";

export interface Organization {
  id: string;
  name: string;
  slug: string;
  createdAt: string;
}

export interface User {
  id: string;
  username: string;
  name: string;
  email: string | null;
  isActive: boolean;
  defaultOrganizationId: string | null;
  createdAt: string;
}

/** An organization a user belongs to, with their role there. */
/** Why a sign-in was refused, for the server log only. */
export type PasswordRefusal = "unknown user" | "user disabled" | "user has no password" | "wrong password";

export interface UserOrganization {
  id: string;
  slug: string;
  name: string;
  role: MemberRole;
}

/**
 * An argon2id hash (Bun.password's default parameters) of a random password nobody knows: what
 * verifyPassword checks against when there is no real hash, so every refusal costs one verify.
 */
const DUMMY_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=2,p=1$XJncrGHPAtPnDCBbczauXobOF+aUDo4rWP8mTw4oypY$AhMtH/WPXM4v/ykaxfcuV7umkDEG/cvIgLQKpwExcjI";

/** An organization slug: lowercase letters and digits separated by single dashes. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** A username: a letter or digit, then up to 99 letters, digits and . _ @ + -. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$/;

export function createAccountService({ db, now }: ServiceContext) {
  const { orm, tables } = db;
  const { organizations, users, memberships } = tables;

  const toOrganization = (row: typeof organizations.$inferSelect): Organization => ({ id: row.id, name: row.name, slug: row.slug, createdAt: iso(row.createdAt)! });
  const toUser = (row: typeof users.$inferSelect): User => ({
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    isActive: row.isActive,
    defaultOrganizationId: row.defaultOrganizationId,
    createdAt: iso(row.createdAt)!,
  });

  /** As verifyPassword, with the reason of a refusal for the server log (never for the page, which must not tell). */
  async function checkPassword(username: string, password: string): Promise<{ user: User; refusal: null } | { user: null; refusal: PasswordRefusal }> {
    const row = (await orm.select().from(users).where(eq(users.username, username)))[0];
    const usable = row !== undefined && row.isActive && row.passwordHash !== null;
    let matches = false;
    try {
      matches = await Bun.password.verify(password, usable ? row.passwordHash! : DUMMY_PASSWORD_HASH);
    } catch {
      // A stored hash Bun cannot read (not one it wrote) is no way in.
      matches = false;
    }
    if (usable && matches) return { user: toUser(row), refusal: null };
    const refusal: PasswordRefusal = row === undefined ? "unknown user" : !row.isActive ? "user disabled" : row.passwordHash === null ? "user has no password" : "wrong password";
    return { user: null, refusal };
  }

  async function findOrganization(idOrSlug: string): Promise<Organization | undefined> {
    const key = isUuid(idOrSlug) ? eq(organizations.id, idOrSlug.toLowerCase()) : eq(organizations.slug, idOrSlug);
    const row = (await orm.select().from(organizations).where(key))[0];
    return row && toOrganization(row);
  }

  async function findUser(idOrUsername: string): Promise<(User & { passwordHash: string | null }) | undefined> {
    const key = isUuid(idOrUsername) ? eq(users.id, idOrUsername.toLowerCase()) : eq(users.username, idOrUsername);
    const row = (await orm.select().from(users).where(key))[0];
    return row && { ...toUser(row), passwordHash: row.passwordHash };
  }

  /** The user with this id, or null (also for a text that is no UUID, which no user has). */
  async function findUserById(id: string): Promise<User | null> {
    if (!isUuid(id)) return null;
    const row = (await orm.select().from(users).where(eq(users.id, id.toLowerCase())))[0];
    return row ? toUser(row) : null;
  }

  async function requireOrganization(idOrSlug: string): Promise<Organization> {
    const organization = await findOrganization(idOrSlug);
    if (!organization) throw notFound(`Organization "${idOrSlug}" not found; "superset orgs list" shows the organizations.`);
    return organization;
  }

  async function requireUser(idOrUsername: string) {
    const user = await findUser(idOrUsername);
    if (!user) throw notFound(`User "${idOrUsername}" not found; "superset users list" shows the users.`);
    return user;
  }

  /**
   * The user (id or username) and organization (id or slug) when the user is active and a member
   * of it; otherwise an invalid-input error saying what to fix before `purpose` (e.g. "creating an
   * API key for them"), as the CLI and services that bind a credential to a member need.
   */
  async function requireActiveMember(idOrUsername: string, organizationIdOrSlug: string, purpose: string) {
    const user = await requireUser(idOrUsername);
    const organization = await requireOrganization(organizationIdOrSlug);
    if (!user.isActive) throw invalid(`User "${user.username}" is disabled; enable them before ${purpose}.`);
    const [membership] = await orm
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.organizationId, organization.id), eq(memberships.userId, user.id)));
    if (!membership) throw invalid(`User "${user.username}" is not a member of organization "${organization.slug}"; add them to it before ${purpose}.`);
    return { user, organization, role: membership.role };
  }

  async function insertUnique<T>(what: string, insert: () => Promise<T>): Promise<T> {
    try {
      return await insert();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`${what} already exists.`);
      throw error;
    }
  }

  return {
    findOrganization,
    findUser,
    findUserById,
    requireOrganization,
    requireUser,
    requireActiveMember,

    async createOrganization(input: { name: string; slug: string }): Promise<Organization> {
      if (!SLUG_PATTERN.test(input.slug)) throw invalid(`Organization slug "${input.slug}" must be lowercase letters and digits separated by single dashes.`);
      if (!input.name.trim()) throw invalid("Organization name must not be empty.");
      const at = now();
      const values = { id: newId(), name: input.name.trim(), slug: input.slug, createdAt: at, updatedAt: at };
      await insertUnique(`Organization "${input.slug}"`, () => orm.insert(organizations).values(values));
      return toOrganization(values);
    },

    async listOrganizations(): Promise<(Organization & { members: number })[]> {
      const rows = await orm
        .select({ organization: organizations, members: count(memberships.userId) })
        .from(organizations)
        .leftJoin(memberships, eq(memberships.organizationId, organizations.id))
        .groupBy(organizations.id)
        .orderBy(asc(organizations.slug));
      return rows.map((row) => ({ ...toOrganization(row.organization), members: Number(row.members) }));
    },

    async createUser(input: { username: string; name?: string; email?: string | null; password?: string | null }): Promise<User> {
      if (!USERNAME_PATTERN.test(input.username)) throw invalid(`Username "${input.username}" must start with a letter or digit and use only letters, digits and . _ @ + -.`);
      const at = now();
      const values = {
        id: newId(),
        username: input.username,
        name: input.name?.trim() || input.username,
        email: input.email ?? null,
        passwordHash: input.password ? await Bun.password.hash(input.password) : null,
        isActive: true,
        defaultOrganizationId: null,
        createdAt: at,
        updatedAt: at,
      };
      await insertUnique(`User "${input.username}"`, () => orm.insert(users).values(values));
      return toUser(values);
    },

    async listUsers(): Promise<(User & { organizations: { slug: string; role: MemberRole }[] })[]> {
      const rows = await orm.select().from(users).orderBy(asc(users.username));
      const roles = await orm
        .select({ userId: memberships.userId, slug: organizations.slug, role: memberships.role })
        .from(memberships)
        .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
        .orderBy(asc(organizations.slug));
      return rows.map((row) => ({ ...toUser(row), organizations: roles.filter((r) => r.userId === row.id).map(({ slug, role }) => ({ slug, role })) }));
    },

    async countUsers(): Promise<number> {
      return Number((await orm.select({ n: count() }).from(users))[0]?.n ?? 0);
    },

    async setPassword(idOrUsername: string, password: string): Promise<void> {
      const user = await requireUser(idOrUsername);
      await orm
        .update(users)
        .set({ passwordHash: await Bun.password.hash(password), updatedAt: now() })
        .where(eq(users.id, user.id));
    },

    async setActive(idOrUsername: string, isActive: boolean): Promise<void> {
      const user = await requireUser(idOrUsername);
      await orm.update(users).set({ isActive, updatedAt: now() }).where(eq(users.id, user.id));
    },

    /** Adds the user to the organization, or changes their role there; the first organization becomes their default. */
    async setMembership(idOrUsername: string, organizationIdOrSlug: string, role: MemberRole): Promise<void> {
      const user = await requireUser(idOrUsername);
      const organization = await requireOrganization(organizationIdOrSlug);
      await orm
        .insert(memberships)
        .values({ organizationId: organization.id, userId: user.id, role, createdAt: now() })
        .onConflictDoUpdate({ target: [memberships.organizationId, memberships.userId], set: { role } });
      if (!user.defaultOrganizationId) await orm.update(users).set({ defaultOrganizationId: organization.id }).where(eq(users.id, user.id));
    },

    /**
     * The user a sign-in form names, when the password is theirs; null for an unknown, disabled
     * or password-less user and for a wrong password alike. Every call runs exactly one
     * Bun.password.verify (against a dummy hash when there is no real one), so the time taken
     * does not tell which of those it was.
     */
    async verifyPassword(username: string, password: string): Promise<User | null> {
      return (await checkPassword(username, password)).user;
    },

    checkPassword,

    /** The organizations a user belongs to and their role in each, by name. */
    async organizationsOf(userId: string): Promise<UserOrganization[]> {
      if (!isUuid(userId)) return [];
      return orm
        .select({ id: organizations.id, slug: organizations.slug, name: organizations.name, role: memberships.role })
        .from(memberships)
        .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
        .where(eq(memberships.userId, userId.toLowerCase()))
        .orderBy(asc(organizations.name), asc(organizations.slug));
    },

    /**
     * The actor a credential stands for: an active user in the named organization, else in their
     * default one. Returns a reason instead of an actor when that is not possible.
     */
    async resolveActor(username: string, organizationIdOrSlug?: string | null): Promise<Actor | { refused: string }> {
      // By username only: a token's subject that happens to equal some user's id must not match that user.
      const row = (await orm.select().from(users).where(eq(users.username, username)))[0];
      const user = row && toUser(row);
      if (!user) return { refused: `user "${username}" does not exist` };
      if (!user.isActive) return { refused: `user "${username}" is disabled` };
      const wanted = organizationIdOrSlug ?? user.defaultOrganizationId;
      if (!wanted) return { refused: `user "${username}" belongs to no organization` };
      const organization = await findOrganization(wanted);
      if (!organization) return { refused: `organization "${wanted}" does not exist` };
      const membership = (
        await orm
          .select({ role: memberships.role })
          .from(memberships)
          .where(and(eq(memberships.organizationId, organization.id), eq(memberships.userId, user.id)))
      )[0];
      if (!membership) return { refused: `user "${username}" is not a member of organization "${organization.slug}"` };
      return { userId: user.id, username: user.username, organizationId: organization.id, organizationSlug: organization.slug, role: membership.role };
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
