/**
 * Slugs under concurrency and collisions (docs/tools.md#slugs), on both databases: creates of one
 * title in flight together all succeed with distinct slugs, a slug another base already took is
 * skipped, and slugs made before the counter existed (an upgraded database) are respected.
 */
import { expect, test } from "bun:test";
import { describeEachDatabase } from "../helpers/databases.ts";
import { createTeam } from "../helpers/fixtures.ts";

const CREATES = 300;
const IN_FLIGHT = 50;

/** Runs `count` calls of `run`, at most `inFlight` at a time, and returns their results in order. */
async function inBatches<T>(count: number, inFlight: number, run: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await run(index);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return results;
}

describeEachDatabase("task slugs", (suite) => {
  test(`${CREATES} creates of one title, ${IN_FLIGHT} in flight, all succeed with distinct slugs`, async () => {
    const { member } = await createTeam(suite.services);
    const tasks = await inBatches(CREATES, IN_FLIGHT, () => suite.services.tasks.create(member, { title: "Same title" }));
    const slugs = tasks.map((task) => task.slug);
    expect(new Set(slugs).size).toBe(CREATES);
    expect(slugs.every((slug) => /^same-title(-\d+)?$/.test(slug))).toBe(true);
    // Nothing is lost: every task is stored once.
    const { items } = await suite.services.tasks.list(member, { limit: 500, offset: 0 });
    expect(items.length).toBe(CREATES);
  }, 120_000);

  test("a suffix another base's slug already holds is skipped", async () => {
    const { member } = await createTeam(suite.services);
    const create = async (title: string) => (await suite.services.tasks.create(member, { title })).slug;
    expect(await create("Fix")).toBe("fix");
    expect(await create("Fix 1")).toBe("fix-1");
    expect(await create("Fix")).toBe("fix-2");
    expect(await create("Fix 3")).toBe("fix-3");
    expect(await create("Fix")).toBe("fix-4");
  });

  test("slugs stored before the counter existed are respected", async () => {
    const team = await createTeam(suite.services);
    const { member } = team;
    const first = await suite.services.tasks.create(member, { title: "Release" });
    const second = await suite.services.tasks.create(member, { title: "Release" });
    expect([first.slug, second.slug]).toEqual(["release", "release-1"]);
    // An upgraded database: its tasks have slugs, but no counter row says so.
    await suite.db.orm.delete(suite.db.tables.taskSlugCounters);
    expect((await suite.services.tasks.create(member, { title: "release!" })).slug).toBe("release-2");
    expect((await suite.services.tasks.create(member, { title: "Release" })).slug).toBe("release-3");
  });

  test("another organization's slugs are its own", async () => {
    const one = await createTeam(suite.services, "one");
    const two = await createTeam(suite.services, "two");
    expect((await suite.services.tasks.create(one.member, { title: "Shared" })).slug).toBe("shared");
    expect((await suite.services.tasks.create(two.member, { title: "Shared" })).slug).toBe("shared");
  });
});
