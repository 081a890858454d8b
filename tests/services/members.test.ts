/** Member service contract (docs/tools.md#organization). */
import { beforeAll, expect, test } from "bun:test";
import type { Organization, User } from "../../src/services/accounts.ts";
import type { Actor } from "../../src/services/actor.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { actorFor, createTeam, uniqueName } from "../helpers/fixtures.ts";

describeEachDatabase("members service", (suite) => {
  let organization: Organization;
  let actor: Actor;
  const people: Record<string, User> = {};
  const names = async (search?: string | null, limit = 100) => (await suite.services.members.list(actor, { search, limit })).map((member) => member.name);

  beforeAll(async () => {
    const { accounts } = suite.services;
    organization = await accounts.createOrganization({ name: "Members", slug: uniqueName("members") });
    const add = async (key: string, name: string, email: string | null, role: "owner" | "member" | "viewer") => {
      const username = uniqueName(key);
      people[key] = await accounts.createUser({ username, name, email });
      await accounts.setMembership(username, organization.id, role);
    };
    await add("alice", "Alice Martin", "alice@Example.COM", "owner");
    await add("bob", "Bob Stone", null, "member");
    await add("carol", "Carol Ng", "c.ng@example.com", "viewer");
    await add("dan", "Dan 100%_Sure", "dan@example.org", "member");
    actor = await actorFor(suite.services, people.bob!.username, organization.slug);
    await createTeam(suite.services, "outsiders");
  });

  test("lists the organization's members with their role, by name", async () => {
    const members = await suite.services.members.list(actor, { limit: 50 });
    expect(members).toEqual([
      { id: people.alice!.id, name: "Alice Martin", username: people.alice!.username, email: "alice@Example.COM", role: "owner" },
      { id: people.bob!.id, name: "Bob Stone", username: people.bob!.username, email: null, role: "member" },
      { id: people.carol!.id, name: "Carol Ng", username: people.carol!.username, email: "c.ng@example.com", role: "viewer" },
      { id: people.dan!.id, name: "Dan 100%_Sure", username: people.dan!.username, email: "dan@example.org", role: "member" },
    ]);
  });

  test("search matches name, username or email, case-insensitively, anywhere", async () => {
    expect(await names("MARTIN")).toEqual(["Alice Martin"]);
    expect(await names("ston")).toEqual(["Bob Stone"]);
    expect(await names(people.carol!.username.toUpperCase())).toEqual(["Carol Ng"]);
    expect(await names("carol-")).toEqual(["Carol Ng"]);
    expect(await names("example.com")).toEqual(["Alice Martin", "Carol Ng"]);
    expect(await names("nobody")).toEqual([]);
    expect(await names(null)).toHaveLength(4);
  });

  test("LIKE wildcards in the search are literal", async () => {
    expect(await names("%")).toEqual(["Dan 100%_Sure"]);
    expect(await names("_")).toEqual(["Dan 100%_Sure"]);
    expect(await names("'; DROP TABLE users; --")).toEqual([]);
    expect(await names()).toHaveLength(4);
  });

  test("limit caps the list", async () => {
    expect(await names(null, 2)).toEqual(["Alice Martin", "Bob Stone"]);
    expect(await names("example", 1)).toEqual(["Alice Martin"]);
  });

  test("members of other organizations are not listed", async () => {
    const outsider = await createTeam(suite.services, "outside");
    const theirs = await suite.services.members.list(outsider.viewer, { limit: 50 });
    expect(theirs.map((member) => member.role).sort()).toEqual(["admin", "member", "owner", "viewer"]);
    expect(theirs.some((member) => Object.values(people).some((person) => person.id === member.id))).toBe(false);
  });
});
