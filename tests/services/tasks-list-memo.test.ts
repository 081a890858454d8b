/**
 * The unsearched task list is reused only while nothing was written (src/services/read-memo.ts):
 * on a SQLite file, a write through this connection or through another one (another process on
 * the same file) shows in the very next list, and the pages every caller shares cannot be changed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { createServices, type Services } from "../../src/services/index.ts";
import { actorFor, createTeam, type Team } from "../helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "superset-memo-"));
const url = `sqlite://${join(dir, "memo.db")}`;
let first: Database;
let second: Database;
let here: Services;
let elsewhere: Services;
let team: Team;
const page = { limit: 20, offset: 0 };
const titles = async (services: Services, actor = team.member) => (await services.tasks.list(actor, page)).items.map((item) => item.task.title);

beforeAll(async () => {
  first = openDatabase(url);
  await first.migrate();
  second = openDatabase(url);
  here = createServices(first);
  elsewhere = createServices(second);
  team = await createTeam(here, "memo");
  await here.tasks.create(team.member, { title: "first" });
});

afterAll(async () => {
  await first.close();
  await second.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a write through the same connection shows in the next list", async () => {
  expect(await titles(here)).toEqual(["first"]);
  const task = await here.tasks.create(team.member, { title: "second" });
  expect(await titles(here)).toEqual(["second", "first"]);
  await here.tasks.update(team.member, task.id, { title: "second, renamed" });
  expect(await titles(here)).toEqual(["second, renamed", "first"]);
});

test("a write committed by another connection shows in the next list", async () => {
  const before = await titles(here);
  const member = await actorFor(elsewhere, team.member.username, team.organization.slug);
  const task = await elsewhere.tasks.create(member, { title: "from another process" });
  expect(await titles(here)).toEqual(["from another process", ...before]);
  await elsewhere.tasks.delete(member, task.id);
  expect(await titles(here)).toEqual(before);
});

test("the page is the same for every member and cannot be changed by one of them", async () => {
  const seen = await here.tasks.list(team.member, page);
  const again = await here.tasks.list(team.viewer, page);
  expect(again).toEqual(seen);
  expect(() => {
    (seen.items[0]!.task as { title: string }).title = "changed";
  }).toThrow();
  expect((await here.tasks.list(team.member, page)).items[0]!.task.title).not.toBe("changed");
});
