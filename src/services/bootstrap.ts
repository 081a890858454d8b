import type { Services } from "./index.ts";

/** The organization an empty database gets in dev mode, with the dev user as its owner. */
export const DEFAULT_ORGANIZATION = { name: "Default", slug: "default" };

/**
 * Dev mode needs its user. An empty database gets the user and a default organization (the
 * returned notice says so); a database that already has users must already have this one, since
 * quietly adding an owner to a populated database would hand it to whoever runs the server.
 */
export async function ensureDevUser(services: Services, username: string): Promise<{ notice: string | null }> {
  const existing = await services.accounts.findUser(username);
  if (existing) return { notice: null };
  const userCount = await services.accounts.countUsers();
  if (userCount > 0) {
    throw new Error(
      `MCP_DEV_USERNAME is "${username}", but no such user exists in a database that already has ${userCount} user(s); create it with "superset users create ${username}" and "superset users add-to-org ${username} --org <slug> --role owner", or set MCP_DEV_USERNAME to an existing user.`,
    );
  }
  const organization = await services.accounts.createOrganization(DEFAULT_ORGANIZATION);
  await services.accounts.createUser({ username });
  await services.accounts.setMembership(username, organization.id, "owner");
  return { notice: `Empty database: created dev user "${username}" as owner of organization "${organization.slug}".` };
}
