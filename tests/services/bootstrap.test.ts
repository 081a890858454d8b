/** Dev-mode bootstrap: an empty database gets the dev user; a populated one must already have it. */
import { expect, test } from "bun:test";
import { DEFAULT_ORGANIZATION, ensureDevUser } from "../../src/services/bootstrap.ts";
import { createServices, type Services } from "../../src/services/index.ts";
import { describeEachDatabase, type DatabaseSuite } from "../helpers/databases.ts";

describeEachDatabase("bootstrap: ensureDevUser", (suite) => {
  // Each test needs a database of its own, since the rule depends on whether it is empty.
  async function withEmptyDatabase(run: (services: Services) => Promise<void>, from: DatabaseSuite = suite) {
    const { db, dispose } = await from.open();
    try {
      await run(createServices(db));
    } finally {
      await dispose();
    }
  }

  test("an empty database gets organization default with the dev user as owner, once", () =>
    withEmptyDatabase(async (services) => {
      const first = await ensureDevUser(services, "admin");
      expect(first.notice).toBe('Empty database: created dev user "admin" as owner of organization "default".');
      const actor = await services.accounts.resolveActor("admin");
      expect(actor).toMatchObject({ username: "admin", organizationSlug: DEFAULT_ORGANIZATION.slug, role: "owner" });
      expect(await ensureDevUser(services, "admin")).toEqual({ notice: null });
      expect(await services.accounts.countUsers()).toBe(1);
      expect((await services.accounts.listOrganizations()).map((organization) => organization.slug)).toEqual(["default"]);
    }));

  test("an existing dev user is left alone", () =>
    withEmptyDatabase(async (services) => {
      await services.accounts.createUser({ username: "dev" });
      expect(await ensureDevUser(services, "dev")).toEqual({ notice: null });
      expect(await services.accounts.listOrganizations()).toEqual([]);
    }));

  test("a populated database without the dev user is refused with a sentence naming MCP_DEV_USERNAME", () =>
    withEmptyDatabase(async (services) => {
      await services.accounts.createUser({ username: "someone" });
      const error = await ensureDevUser(services, "admin").then(
        () => undefined,
        (reason: Error) => reason,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).toContain("MCP_DEV_USERNAME");
      expect(error!.message).toContain('"admin"');
      expect(await services.accounts.findUser("admin")).toBeUndefined();
      expect(await services.accounts.listOrganizations()).toEqual([]);
    }));
});
