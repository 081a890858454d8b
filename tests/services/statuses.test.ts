/** Status service contract: the five defaults of docs/tools.md#statuses, seeded once per organization. */
import { expect, test } from "bun:test";
import { createServices } from "../../src/services/index.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { createTeam } from "../helpers/fixtures.ts";

const DEFAULTS = [
  { name: "Backlog", color: "#95a2b3", type: "backlog", position: 0 },
  { name: "Todo", color: "#e2e2e2", type: "unstarted", position: 1 },
  { name: "In Progress", color: "#f2c94c", type: "started", position: 2 },
  { name: "Done", color: "#0e9f6e", type: "completed", position: 3 },
  { name: "Canceled", color: "#95a2b3", type: "canceled", position: 4 },
] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describeEachDatabase("statuses service", (suite) => {
  test("an organization starts with exactly the five default statuses, in board order", async () => {
    const { viewer } = await createTeam(suite.services);
    const statuses = await suite.services.statuses.listFor(viewer);
    expect(statuses.map(({ id: _id, ...rest }) => rest)).toEqual([...DEFAULTS]);
    for (const status of statuses) expect(status.id).toMatch(UUID);
  });

  test("seeding happens once, also across service instances and concurrent first uses", async () => {
    const { member } = await createTeam(suite.services);
    // Fresh instances have empty "already seeded" caches, so each one checks the database.
    const racers = [createServices(suite.db), createServices(suite.db), createServices(suite.db)];
    const lists = await Promise.all(racers.map((services) => services.statuses.listFor(member)));
    const ids = lists[0]!.map((status) => status.id);
    for (const list of lists) expect(list.map((status) => status.id)).toEqual(ids);
    expect(await suite.services.statuses.listFor(member)).toEqual(lists[0]!);
    expect(await createServices(suite.db).statuses.listFor(member)).toHaveLength(5);
  });

  test("each organization has its own status rows", async () => {
    const a = await createTeam(suite.services, "a");
    const b = await createTeam(suite.services, "b");
    const idsOfA = (await suite.services.statuses.listFor(a.member)).map((status) => status.id);
    const idsOfB = (await suite.services.statuses.listFor(b.member)).map((status) => status.id);
    expect(idsOfA.filter((id) => idsOfB.includes(id))).toEqual([]);
    expect(await suite.services.statuses.find(a.organization.id, idsOfB[0]!)).toBeUndefined();
    expect((await suite.services.statuses.find(a.organization.id, idsOfA[2]!))?.name).toBe("In Progress");
  });

  test("firstOfType picks the first status of the type", async () => {
    const { organization } = await createTeam(suite.services);
    expect((await suite.services.statuses.firstOfType(organization.id, "backlog"))?.name).toBe("Backlog");
    expect((await suite.services.statuses.firstOfType(organization.id, "completed"))?.name).toBe("Done");
  });
});
