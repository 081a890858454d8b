/** How a `hosts` row leaves the services, shared by the host services (./hosts.ts, ./host-access.ts). */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { iso, isUuid } from "./context.ts";

/** A registration as the hub, the tools and the CLI see it: never the token, nor its hash. */
export interface HostRegistration {
  registrationId: string;
  /** The machine id (hosts_list's `id`); null until the agent first connects. */
  id: string | null;
  organizationId: string;
  ownerUserId: string;
  name: string;
  platform: string | null;
  agentVersion: string | null;
  lastSeenAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  /** `sk_host_` and the token's next 4 characters. */
  tokenPrefix: string;
}

type RegistrationRow = Omit<HostRegistration, "lastSeenAt" | "createdAt" | "revokedAt"> & { lastSeenAt: Date | null; createdAt: Date; revokedAt: Date | null };

/** The columns to select for a HostRegistration, under its field names. */
export function registrationColumns(hosts: Database["tables"]["hosts"]) {
  return {
    registrationId: hosts.id,
    id: hosts.machineId,
    organizationId: hosts.organizationId,
    ownerUserId: hosts.ownerUserId,
    name: hosts.name,
    platform: hosts.platform,
    agentVersion: hosts.agentVersion,
    lastSeenAt: hosts.lastSeenAt,
    createdAt: hosts.createdAt,
    revokedAt: hosts.revokedAt,
    tokenPrefix: hosts.tokenPrefix,
  };
}

/** A selected row with its times as ISO strings; named fields only, so a wider row never leaks its token hash. */
export function toRegistration(row: RegistrationRow): HostRegistration {
  return {
    registrationId: row.registrationId,
    id: row.id,
    organizationId: row.organizationId,
    ownerUserId: row.ownerUserId,
    name: row.name,
    platform: row.platform,
    agentVersion: row.agentVersion,
    lastSeenAt: iso(row.lastSeenAt),
    createdAt: iso(row.createdAt)!,
    revokedAt: iso(row.revokedAt),
    tokenPrefix: row.tokenPrefix,
  };
}

/** The registration with this id, revoked or not; null for any other text. */
export async function findRegistration(db: Database, registrationId: string): Promise<HostRegistration | null> {
  // A non-UUID is no registration's id; asking PostgreSQL would fail on the uuid column instead.
  if (!isUuid(registrationId)) return null;
  const { hosts } = db.tables;
  const row = (await db.orm.select(registrationColumns(hosts)).from(hosts).where(eq(hosts.id, registrationId.toLowerCase())))[0];
  return row ? toRegistration(row) : null;
}
