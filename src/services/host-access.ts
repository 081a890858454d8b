/**
 * Who may use a host (docs/hosts-and-automations.md#hosts): the owner from registration on, and the
 * users of the same organization granted access since. Also the operator's view of an
 * organization's registrations, for the `superset hosts …` commands.
 */
import { and, asc, eq, inArray, isNull, type SQL } from "drizzle-orm";
import type { HostAccessRole } from "../db/schema/values.ts";
import { createAccountService } from "./accounts.ts";
import { isUuid, type ServiceContext } from "./context.ts";
import { conflict, invalid, notFound } from "./errors.ts";
import { findRegistration, registrationColumns, toRegistration, type HostRegistration } from "./host-registration.ts";

/** One user's access to a host. */
export interface HostUser {
  userId: string;
  username: string;
  role: HostAccessRole;
  /** Null when granted by the operator's CLI or at registration. */
  grantedByUserId: string | null;
  createdAt: string;
}

/** A registration as `superset hosts list` shows it: with its owner's name and every user with access. */
export interface HostListing extends HostRegistration {
  organizationSlug: string;
  ownerUsername: string;
  users: HostUser[];
}

const MACHINE_ID_PATTERN = /^[0-9a-f]{32}$/i;

export function createHostAccessService(context: ServiceContext) {
  const { db, now } = context;
  const { orm, tables } = db;
  const { hosts, hostAccess, users, memberships } = tables;
  const accounts = createAccountService(context);

  const userColumns = {
    hostId: hostAccess.hostId,
    userId: hostAccess.userId,
    username: users.username,
    role: hostAccess.role,
    grantedByUserId: hostAccess.grantedByUserId,
    createdAt: hostAccess.createdAt,
  };
  const selectUsers = (where: SQL | undefined) =>
    orm.select(userColumns).from(hostAccess).innerJoin(users, eq(users.id, hostAccess.userId)).where(where).orderBy(asc(hostAccess.role), asc(users.username));
  const toHostUser = ({ hostId: _hostId, createdAt, ...rest }: Awaited<ReturnType<typeof selectUsers>>[number]): HostUser => ({ ...rest, createdAt: createdAt.toISOString() });

  async function requireRegistration(registrationId: string): Promise<HostRegistration> {
    const host = await findRegistration(db, registrationId);
    if (!host) throw notFound(`Host registration ${registrationId} not found; "superset hosts list --org SLUG" shows the hosts.`);
    return host;
  }

  return {
    /**
     * Lets a user (id or username) of the host's organization use a live host. Granting again
     * changes nothing; `created` says whether this call added the access.
     */
    async grant(input: { registrationId: string; userId: string; grantedByUserId: string | null }): Promise<{ access: HostUser; created: boolean }> {
      const host = await requireRegistration(input.registrationId);
      if (host.revokedAt) throw invalid(`Host "${host.name}" was revoked at ${host.revokedAt}; register the machine again instead of granting access to it.`);
      const user = await accounts.requireUser(input.userId);
      const grantedBy = input.grantedByUserId === null ? null : (await accounts.requireUser(input.grantedByUserId)).id;
      const membership = await orm
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.organizationId, host.organizationId), eq(memberships.userId, user.id)));
      if (membership.length === 0) throw invalid(`User "${user.username}" is not a member of the host's organization; add them to it before granting them the host.`);
      const inserted = await orm
        .insert(hostAccess)
        .values({ hostId: host.registrationId, userId: user.id, role: "user", grantedByUserId: grantedBy, createdAt: now() })
        .onConflictDoNothing()
        .returning({ userId: hostAccess.userId });
      const row = (await selectUsers(and(eq(hostAccess.hostId, host.registrationId), eq(hostAccess.userId, user.id))))[0]!;
      return { access: toHostUser(row), created: inserted.length > 0 };
    },

    /** Takes a user's access away; false when they had none. The owner's access cannot be revoked. */
    async revokeAccess(input: { registrationId: string; userId: string }): Promise<boolean> {
      const host = await requireRegistration(input.registrationId);
      const user = await accounts.requireUser(input.userId);
      const where = and(eq(hostAccess.hostId, host.registrationId), eq(hostAccess.userId, user.id));
      const row = (await orm.select({ role: hostAccess.role }).from(hostAccess).where(where))[0];
      if (!row) return false;
      if (row.role === "owner") throw invalid(`User "${user.username}" owns host "${host.name}", so their access cannot be revoked; revoke the host itself instead.`);
      await orm.delete(hostAccess).where(where);
      return true;
    },

    /** An organization's (id or slug) registrations by name, never-connected ones included; revoked ones only with `includeRevoked`. */
    async listForOrganization(organizationId: string, options: { includeRevoked?: boolean } = {}): Promise<HostListing[]> {
      const organization = await accounts.requireOrganization(organizationId);
      const rows = await orm
        .select({ ...registrationColumns(hosts), ownerUsername: users.username })
        .from(hosts)
        .innerJoin(users, eq(users.id, hosts.ownerUserId))
        .where(and(eq(hosts.organizationId, organization.id), options.includeRevoked ? undefined : isNull(hosts.revokedAt)))
        .orderBy(asc(hosts.name), asc(hosts.createdAt), asc(hosts.id));
      const ids = rows.map((row) => row.registrationId);
      const access = ids.length === 0 ? [] : await selectUsers(inArray(hostAccess.hostId, ids));
      return rows.map(({ ownerUsername, ...row }) => ({
        ...toRegistration(row),
        organizationSlug: organization.slug,
        ownerUsername,
        users: access.filter((entry) => entry.hostId === row.registrationId).map(toHostUser),
      }));
    },

    /**
     * The registration an operator names within an organization (id or slug): by registration id,
     * by machine id, or by name. Live registrations are preferred; a name shared by several is refused.
     */
    async findInOrganization(organizationId: string, reference: string): Promise<HostRegistration> {
      const organization = await accounts.requireOrganization(organizationId);
      const key = isUuid(reference) ? eq(hosts.id, reference.toLowerCase()) : MACHINE_ID_PATTERN.test(reference) ? eq(hosts.machineId, reference.toLowerCase()) : eq(hosts.name, reference.trim());
      const rows = await orm
        .select(registrationColumns(hosts))
        .from(hosts)
        .where(and(eq(hosts.organizationId, organization.id), key))
        .orderBy(asc(hosts.createdAt));
      const live = rows.filter((row) => row.revokedAt === null);
      if (live.length > 1) throw conflict(`Several hosts of organization "${organization.slug}" are named "${reference}"; name the one you mean by its registration id.`);
      // With no live match, the latest revoked one, so `revoke` names what was revoked.
      const found = live[0] ?? rows.at(-1);
      if (!found) throw notFound(`Host "${reference}" not found in organization "${organization.slug}"; "superset hosts list --org ${organization.slug}" shows its hosts.`);
      return toRegistration(found);
    },
  };
}

export type HostAccessService = ReturnType<typeof createHostAccessService>;
