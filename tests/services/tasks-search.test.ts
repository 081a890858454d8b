/**
 * Task search contract (docs/tools.md#tasks, `tasks_list.search`): case-insensitive, over title and
 * description, every term must occur, fragments inside words count, and whatever a user types is
 * text, never query syntax.
 */
import { beforeAll, expect, test } from "bun:test";
import { describeEachDatabase } from "../helpers/databases.ts";
import { createTeam, type Team } from "../helpers/fixtures.ts";

const TASKS = [
  { title: "Fix login bug", description: "Users cannot sign in with SSO" },
  { title: "Write docs", description: "Explain the LOGIN flow and the 2FA setup" },
  { title: "Fix typo", description: null },
  { title: "Upgrade to v2", description: "The 100% rollout; use snake_case names" },
  { title: 'Quote "handling"', description: "It's O'Reilly's book * NEAR (x)" },
  { title: "Unrelated chore", description: "Nothing to see" },
];

describeEachDatabase("tasks service: search", (suite) => {
  let team: Team;
  const found = async (search: string) => (await suite.services.tasks.list(team.member, { search, limit: 50, offset: 0 })).items.map((item) => item.task.title).sort();

  beforeAll(async () => {
    team = await createTeam(suite.services, "search");
    for (const task of TASKS) await suite.services.tasks.create(team.member, task);
  });

  test("case-insensitive over title and description", async () => {
    expect(await found("login")).toEqual(["Fix login bug", "Write docs"]);
    expect(await found("LOGIN")).toEqual(["Fix login bug", "Write docs"]);
    expect(await found("sso")).toEqual(["Fix login bug"]);
    expect(await found("Chore")).toEqual(["Unrelated chore"]);
  });

  test("a fragment inside a word is found", async () => {
    expect(await found("ogin")).toEqual(["Fix login bug", "Write docs"]);
    expect(await found("pgrad")).toEqual(["Upgrade to v2"]);
    expect(await found("elat")).toEqual(["Unrelated chore"]);
  });

  test("terms of one or two characters", async () => {
    expect(await found("v2")).toEqual(["Upgrade to v2"]);
    expect(await found("2f")).toEqual(["Write docs"]);
    expect(await found("q")).toEqual(['Quote "handling"']);
    expect(await found("zz")).toEqual([]);
  });

  test("every word must occur, in the title or the description", async () => {
    expect(await found("fix bug")).toEqual(["Fix login bug"]);
    expect(await found("fix")).toEqual(["Fix login bug", "Fix typo"]);
    expect(await found("login sso")).toEqual(["Fix login bug"]);
    expect(await found("  docs   flow ")).toEqual(["Write docs"]);
    expect(await found("fix docs")).toEqual([]);
  });

  test("no match gives an empty page", async () => {
    expect(await suite.services.tasks.list(team.member, { search: "nonexistent", limit: 50, offset: 0 })).toEqual({ items: [], nextOffset: null });
  });

  test("hostile input is plain text: no error, no match-all, data intact", async () => {
    const hostile = [
      "'",
      '"',
      "''",
      '"unbalanced',
      "'; DROP TABLE tasks; --",
      '"; DROP TABLE tasks; --',
      "NEAR(",
      "NEAR(fix login)",
      "*",
      "fix*",
      "%",
      "_",
      "%%",
      "___",
      "\\",
      "fix OR docs",
      "fix AND NOT login",
      "-fix",
      "^fix",
      "title:fix",
      "a & b | !c",
      "fix:*",
      "(",
      ")",
      "{}",
      "\u0000",
    ];
    for (const search of hostile) {
      const titles = await found(search);
      expect({ search, titles: titles.length < TASKS.length }).toEqual({ search, titles: true });
    }
    expect(await found("%")).toEqual(["Upgrade to v2"]);
    expect(await found("_")).toEqual(["Upgrade to v2"]);
    expect(await found("fix OR docs")).toEqual([]);
    expect((await suite.services.tasks.list(team.member, { limit: 50, offset: 0 })).items).toHaveLength(TASKS.length);
    expect(await found("login")).toEqual(["Fix login bug", "Write docs"]);
  });

  test("quotes and operators inside words match literally", async () => {
    expect(await found("o'reilly's")).toEqual(['Quote "handling"']);
    expect(await found('"handling"')).toEqual(['Quote "handling"']);
    expect(await found("snake_case")).toEqual(["Upgrade to v2"]);
    expect(await found("100%")).toEqual(["Upgrade to v2"]);
    expect(await found("NEAR")).toEqual(['Quote "handling"']);
  });

  test("a changed title is searched by its new text; deleted tasks are not found", async () => {
    const task = await suite.services.tasks.create(team.member, { title: "Temporary zebra" });
    expect(await found("zebra")).toEqual(["Temporary zebra"]);
    await suite.services.tasks.update(team.member, task.id, { title: "Temporary giraffe", description: "tall" });
    expect(await found("zebra")).toEqual([]);
    expect(await found("giraffe tall")).toEqual(["Temporary giraffe"]);
    await suite.services.tasks.delete(team.member, task.id);
    expect(await found("giraffe")).toEqual([]);
  });

  test("search combines with other filters and paging", async () => {
    const result = await suite.services.tasks.list(team.member, { search: "fix", priority: "none", limit: 1, offset: 0 });
    expect(result.items).toHaveLength(1);
    expect(result.nextOffset).toBe(1);
    const other = await createTeam(suite.services, "other");
    expect((await suite.services.tasks.list(other.member, { search: "fix", limit: 50, offset: 0 })).items).toEqual([]);
  });
});
