import type { MemberRole } from "../db/schema/values.ts";
import { forbidden } from "./errors.ts";

/** Who is calling: the user and the one organization bound to their credential, with their role there. */
export interface Actor {
  userId: string;
  username: string;
  organizationId: string;
  organizationSlug: string;
  role: MemberRole;
}

const ROLE_RANK: Record<MemberRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function hasRole(actor: Actor, least: MemberRole): boolean {
  return ROLE_RANK[actor.role] >= ROLE_RANK[least];
}

/** Refuses the call unless the actor's role is at least `least`; `action` completes "may not …". */
export function requireRole(actor: Actor, least: MemberRole, action: string): void {
  if (!hasRole(actor, least)) {
    throw forbidden(`Your role in organization ${actor.organizationSlug} is ${actor.role}, which may not ${action}; ask an organization admin for the ${least} role.`);
  }
}
