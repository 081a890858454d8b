/**
 * Hosts (docs/hosts-and-automations.md#hosts): registrations made by `superset hosts register`, the
 * host token that authenticates the agent's socket, the machine id bound on first connect,
 * presence, and which users may use which host. The plain token leaves this service once, from
 * `register`; the database holds only its SHA-256 and display prefix.
 *
 * `services.hosts` also carries the host-record methods of ./host-records.ts, so the hub has one
 * service for everything it writes about a host.
 */
import { and, asc, eq, exists, isNotNull, isNull, lt, ne, or, sql, type SQL } from "drizzle-orm";
import * as v from "valibot";
import { generateHostToken, hashHostToken, isWellFormedHostToken } from "../auth/host-token-format.ts";
import { hostIdSchema } from "../hosts/protocol.ts";
import { createAccountService } from "./accounts.ts";
import { hasRole, type Actor } from "./actor.ts";
import { isUuid, newId, type ServiceContext } from "./context.ts";
import { invalid, isUniqueViolation, notFound } from "./errors.ts";
import { createHostAccessService } from "./host-access.ts";
import { createHostRecordService } from "./host-records.ts";
import { findRegistration as findRegistrationRow, registrationColumns, toRegistration, type HostRegistration } from "./host-registration.ts";

export type { HostRegistration } from "./host-registration.ts";

/** Longest host name accepted, in characters. */
export const HOST_NAME_MAX_LENGTH = 200;
/** The name of a registration made without `--name`; the agent's reported name replaces it on connect. */
export const UNNAMED_HOST_NAME = "unnamed host";

/** What the agent's `hello` says about itself. */
export interface HostConnection {
  machineId: string;
  platform: string;
  agentVersion: string;
  /** Adopted only when the registration was made without a name. */
  name?: string;
}

const REGISTER_COMMAND = "`superset hosts register`";

export function createHostService(context: ServiceContext) {
  const { db, now } = context;
  const { orm, tables } = db;
  const { hosts, hostAccess, hostProjects, hostWorkspaces, users, memberships } = tables;
  const accounts = createAccountService(context);

  const columns = registrationColumns(hosts);
  const findRegistration = (registrationId: string) => findRegistrationRow(db, registrationId);

  /** The actor's usable hosts: live, connected at least once, with an access row for the actor. */
  /** The live, connected-once hosts the actor may use: an admin every host of the organization (docs/authentication.md#roles), anyone else those with a host_access row. */
  const selectForActor = (actor: Actor, condition?: SQL) => {
    const usable = and(eq(hosts.organizationId, actor.organizationId), isNull(hosts.revokedAt), isNotNull(hosts.machineId), condition);
    const granted = hasRole(actor, "admin")
      ? undefined
      : exists(
          orm
            .select({ one: sql`1` })
            .from(hostAccess)
            .where(and(eq(hostAccess.hostId, hosts.id), eq(hostAccess.userId, actor.userId))),
        );
    return orm.select(columns).from(hosts).where(and(usable, granted));
  };

  return {
    ...createHostRecordService(context),
    ...createHostAccessService(context),

    /** The registration with this id (revoked or not), or null. */
    findRegistration,

    /**
     * Registers a host for its owner (id or username) in an organization (id or slug) they are an
     * active member of; the owner gets access at once. The plain token is returned only here.
     */
    async register(input: { organizationId: string; ownerUserId: string; name?: string | null }): Promise<{ host: HostRegistration; token: string }> {
      const name = checkedName(input.name);
      const { user: owner, organization } = await accounts.requireActiveMember(input.ownerUserId, input.organizationId, "registering a host for them");
      const generated = generateHostToken();
      const at = now();
      const row = {
        id: newId(),
        organizationId: organization.id,
        ownerUserId: owner.id,
        name,
        tokenHash: generated.hash,
        tokenPrefix: generated.displayPrefix,
        machineId: null,
        platform: null,
        agentVersion: null,
        lastSeenAt: null,
        createdAt: at,
        updatedAt: at,
        revokedAt: null,
      };
      await orm.insert(hosts).values(row);
      await orm.insert(hostAccess).values({ hostId: row.id, userId: owner.id, role: "owner", grantedByUserId: null, createdAt: at });
      return { host: toRegistration({ ...row, registrationId: row.id, id: null }), token: generated.token };
    },

    /**
     * The registration a host token belongs to, or null when the token is malformed, unknown or
     * revoked, or its owner is disabled or no longer a member of the organization. One query on
     * every call, so a revocation anywhere is effective on the next connect.
     */
    async authenticateToken(token: string): Promise<HostRegistration | null> {
      if (!isWellFormedHostToken(token)) return null;
      const row = (
        await orm
          .select(columns)
          .from(hosts)
          .innerJoin(users, and(eq(users.id, hosts.ownerUserId), eq(users.isActive, true)))
          .innerJoin(memberships, and(eq(memberships.organizationId, hosts.organizationId), eq(memberships.userId, hosts.ownerUserId)))
          .where(and(eq(hosts.tokenHash, hashHostToken(token)), isNull(hosts.revokedAt)))
      )[0];
      return row ? toRegistration(row) : null;
    },

    /**
     * Records the agent's `hello`: binds the machine id on first connect and stores platform,
     * agent version and last-seen time. Refuses (one sentence, short enough for a WebSocket close
     * reason) a machine other than the one the token was bound to, or a machine another live
     * registration of the organization already has.
     */
    async recordConnection(registrationId: string, connection: HostConnection): Promise<{ host: HostRegistration } | { refused: string }> {
      const machineId = connection.machineId;
      if (!v.is(hostIdSchema, machineId)) return { refused: "the host id must be 32 lowercase hex characters" };
      const current = await findRegistration(registrationId);
      if (!current || current.revokedAt) return { refused: `this host registration was revoked; register this machine with ${REGISTER_COMMAND}` };
      if (current.id !== null && current.id !== machineId) return { refused: `this token was registered for host ${current.id}; register this machine with ${REGISTER_COMMAND}` };
      const duplicate = `host ${machineId} is already registered in this organization; revoke the other registration first`;
      const other = await orm
        .select({ id: hosts.id })
        .from(hosts)
        .where(and(eq(hosts.organizationId, current.organizationId), eq(hosts.machineId, machineId), isNull(hosts.revokedAt), ne(hosts.id, current.registrationId)))
        .limit(1);
      if (other.length > 0) return { refused: duplicate };
      const at = now();
      const reportedName = connection.name?.trim();
      const adoptName = current.name === UNNAMED_HOST_NAME && reportedName && reportedName.length <= HOST_NAME_MAX_LENGTH;
      try {
        await orm
          .update(hosts)
          .set({ machineId, platform: connection.platform, agentVersion: connection.agentVersion, lastSeenAt: at, updatedAt: at, ...(adoptName ? { name: reportedName } : {}) })
          // Conditional, so a concurrent revocation or a concurrent first connect of another machine wins cleanly.
          .where(and(eq(hosts.id, current.registrationId), isNull(hosts.revokedAt), or(isNull(hosts.machineId), eq(hosts.machineId, machineId))));
      } catch (error) {
        // Two registrations binding the same machine at once: the partial unique index lets one through.
        if (isUniqueViolation(error)) return { refused: duplicate };
        throw error;
      }
      const host = await findRegistration(current.registrationId);
      if (!host || host.revokedAt) return { refused: `this host registration was revoked; register this machine with ${REGISTER_COMMAND}` };
      if (host.id !== machineId) return { refused: `this token was registered for host ${host.id}; register this machine with ${REGISTER_COMMAND}` };
      return { host };
    },

    /** Moves `last_seen_at` forward to `at` (never back, so replicas writing out of order agree). */
    async touchLastSeen(registrationId: string, at: Date): Promise<void> {
      if (!isUuid(registrationId)) return;
      await orm
        .update(hosts)
        .set({ lastSeenAt: at })
        .where(and(eq(hosts.id, registrationId.toLowerCase()), or(isNull(hosts.lastSeenAt), lt(hosts.lastSeenAt, at))));
    },

    /** The hosts the actor may use in their organization (live, connected at least once), by name. */
    async listForActor(actor: Actor): Promise<HostRegistration[]> {
      return (await selectForActor(actor).orderBy(asc(hosts.name), asc(hosts.machineId))).map(toRegistration);
    },

    /** The host with machine id `hostId` if the actor may use it; anything else, a foreign organization's host included, is not found. */
    async findForActor(actor: Actor, hostId: string): Promise<HostRegistration> {
      const machineId = hostId.trim().toLowerCase();
      const row = v.is(hostIdSchema, machineId) ? (await selectForActor(actor, eq(hosts.machineId, machineId)))[0] : undefined;
      if (!row) throw notFound(`Host "${hostId}" not found in organization ${actor.organizationSlug}; call hosts_list for the hosts you may use.`);
      return toRegistration(row);
    },

    /**
     * Revokes a registration: its token stops working on the next connect, and the records it
     * reported are dropped, so the machine can be registered again and report the same ids.
     * A registration already revoked is returned as it stands.
     */
    async revoke(registrationId: string): Promise<HostRegistration> {
      const current = await findRegistration(registrationId);
      if (!current) throw notFound(`Host registration ${registrationId} not found; "superset hosts list --org SLUG" shows the hosts.`);
      if (current.revokedAt) return current;
      const at = now();
      await orm
        .update(hosts)
        .set({ revokedAt: at, updatedAt: at })
        .where(and(eq(hosts.id, current.registrationId), isNull(hosts.revokedAt)));
      await orm.delete(hostWorkspaces).where(eq(hostWorkspaces.hostId, current.registrationId));
      await orm.delete(hostProjects).where(eq(hostProjects.hostId, current.registrationId));
      return (await findRegistration(current.registrationId))!;
    },
  };
}

export type HostService = ReturnType<typeof createHostService>;

function checkedName(asked: string | null | undefined): string {
  if (asked === null || asked === undefined) return UNNAMED_HOST_NAME;
  const name = asked.trim();
  if (!name) throw invalid("A host's name must not be blank; leave it out to take the name the machine reports.");
  if (name.length > HOST_NAME_MAX_LENGTH) throw invalid(`A host's name must be at most ${HOST_NAME_MAX_LENGTH} characters (it has ${name.length}).`);
  return name;
}
