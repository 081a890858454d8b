/**
 * Organizations and users for service tests. Names carry a random suffix so that tests sharing
 * one database (users are global, not per organization) never collide.
 */
import type { MemberRole } from "../../src/db/schema/values.ts";
import type { Organization, User } from "../../src/services/accounts.ts";
import type { Actor } from "../../src/services/actor.ts";
import type { Services } from "../../src/services/index.ts";

/** `prefix` plus a short random suffix, valid as an organization slug and as a username. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** An organization with one user per role, and the actor each user resolves to there. */
export interface Team {
  organization: Organization;
  users: Record<MemberRole, User>;
  owner: Actor;
  admin: Actor;
  member: Actor;
  viewer: Actor;
}

/** The actor `username` resolves to (in `organization`, else their default); throws when refused. */
export async function actorFor(services: Services, username: string, organization?: string): Promise<Actor> {
  const actor = await services.accounts.resolveActor(username, organization);
  if ("refused" in actor) throw new Error(`Fixture could not resolve an actor: ${actor.refused}.`);
  return actor;
}

/** A user with a name and email derived from `prefix`, a member of `organization` with `role`. */
export async function addUser(services: Services, organization: Organization, role: MemberRole, prefix: string = role): Promise<{ user: User; actor: Actor }> {
  const username = uniqueName(prefix);
  const user = await services.accounts.createUser({ username, name: `${prefix[0]!.toUpperCase()}${prefix.slice(1)} ${username.slice(-8)}`, email: `${username}@example.test` });
  await services.accounts.setMembership(username, organization.id, role);
  return { user, actor: await actorFor(services, username, organization.slug) };
}

/** A fresh organization with an owner, an admin, a member and a viewer. */
export async function createTeam(services: Services, prefix = "team"): Promise<Team> {
  const organization = await services.accounts.createOrganization({ name: `Team ${prefix}`, slug: uniqueName(prefix) });
  const owner = await addUser(services, organization, "owner");
  const admin = await addUser(services, organization, "admin");
  const member = await addUser(services, organization, "member");
  const viewer = await addUser(services, organization, "viewer");
  return {
    organization,
    users: { owner: owner.user, admin: admin.user, member: member.user, viewer: viewer.user },
    owner: owner.actor,
    admin: admin.actor,
    member: member.actor,
    viewer: viewer.actor,
  };
}
