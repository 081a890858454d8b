/** Apps and users for the web page tests: auth on with a known SECRET_KEY, users who sign in with a password. */
import type { ResolvedConfig } from "../../src/config/schema.ts";
import type { MemberRole } from "../../src/db/schema/values.ts";
import type { Organization } from "../../src/services/accounts.ts";
import type { Services } from "../../src/services/index.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { uniqueName } from "../helpers/fixtures.ts";

export const SECRET_KEY = "web-tests-secret-key-".padEnd(48, "x");
export const PASSWORD = "correct horse battery staple";

export const AUTH_ON: Partial<ResolvedConfig> = { MCP_AUTH_ENABLED: true, MCP_DEV_USERNAME: null, SECRET_KEY };

/** An app with auth on (and so the OAuth server), `overrides` applied. */
export const authOnApp = (overrides: Partial<ResolvedConfig> = {}): Promise<TestApp> => createTestApp({ ...AUTH_ON, ...overrides });

export interface WebUser {
  id: string;
  username: string;
  organization: Organization;
}

/** A user with PASSWORD, `role` in a new organization (or in `organization`). */
export async function userWithPassword(services: Services, options: { role?: MemberRole; name?: string; organization?: Organization; organizationName?: string } = {}): Promise<WebUser> {
  const organization = options.organization ?? (await services.accounts.createOrganization({ name: options.organizationName ?? "Web Team", slug: uniqueName("web") }));
  const username = uniqueName("user");
  const user = await services.accounts.createUser({ username, name: options.name ?? `Person ${username.slice(-8)}`, password: PASSWORD });
  await services.accounts.setMembership(username, organization.id, options.role ?? "member");
  return { id: user.id, username, organization };
}
