/** Task list contract: filters, joined names, newest-first order and paging (docs/tools.md#tasks, `tasks_list`). */
import { beforeAll, expect, test } from "bun:test";
import type { Task } from "../../src/services/tasks.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { createTeam, type Team } from "../helpers/fixtures.ts";

describeEachDatabase("tasks service: list", (suite) => {
  let team: Team;
  let other: Team;
  const created: Record<string, Task> = {};
  const page = { limit: 50, offset: 0 };
  const titles = async (filters: Parameters<typeof suite.services.tasks.list>[1], actor = team.member) => (await suite.services.tasks.list(actor, filters)).items.map((item) => item.task.title);

  beforeAll(async () => {
    team = await createTeam(suite.services, "list");
    other = await createTeam(suite.services, "else");
    const statuses = await suite.services.statuses.listFor(team.member);
    const todo = statuses.find((s) => s.type === "unstarted")!;
    const { tasks } = suite.services;
    // The ticking clock gives each task a later createdAt than the one before.
    created.a = await tasks.create(team.member, { title: "A member's urgent", priority: "urgent", assigneeId: team.users.member.id });
    created.b = await tasks.create(team.admin, { title: "B admin's todo", statusId: todo.id, assigneeId: team.users.member.id });
    created.c = await tasks.create(team.admin, { title: "C admin's urgent todo", priority: "urgent", statusId: todo.id, assigneeId: team.users.admin.id });
    created.d = await tasks.create(team.member, { title: "D unassigned", priority: "low" });
    created.e = await tasks.create(team.owner, { title: "E deleted", priority: "urgent" });
    await tasks.delete(team.owner, created.e.id);
    await tasks.create(other.member, { title: "Other organization's", priority: "urgent" });
  });

  test("newest first, deleted and foreign tasks excluded", async () => {
    expect(await titles(page)).toEqual(["D unassigned", "C admin's urgent todo", "B admin's todo", "A member's urgent"]);
  });

  test("each item carries assignee, creator and status name", async () => {
    const { items } = await suite.services.tasks.list(team.member, page);
    const b = items.find((item) => item.task.id === created.b!.id)!;
    expect(b).toEqual({
      task: created.b!,
      assignee: { id: team.users.member.id, name: team.users.member.name },
      creator: { id: team.users.admin.id, name: team.users.admin.name },
      statusName: "Todo",
    });
    const d = items.find((item) => item.task.id === created.d!.id)!;
    expect(d.assignee).toBeNull();
    expect(d.statusName).toBe("Backlog");
  });

  test("filter by statusId", async () => {
    expect(await titles({ ...page, statusId: created.b!.statusId })).toEqual(["C admin's urgent todo", "B admin's todo"]);
    expect(await titles({ ...page, statusId: created.b!.statusId.toUpperCase() })).toHaveLength(2);
    expect(await titles({ ...page, statusId: crypto.randomUUID() })).toEqual([]);
  });

  test("filter by priority", async () => {
    expect(await titles({ ...page, priority: "urgent" })).toEqual(["C admin's urgent todo", "A member's urgent"]);
    expect(await titles({ ...page, priority: "medium" })).toEqual([]);
  });

  test("filter by assigneeId, assigneeMe (overrides assigneeId) and creatorMe", async () => {
    expect(await titles({ ...page, assigneeId: team.users.admin.id })).toEqual(["C admin's urgent todo"]);
    expect(await titles({ ...page, assigneeMe: true })).toEqual(["B admin's todo", "A member's urgent"]);
    expect(await titles({ ...page, assigneeMe: true, assigneeId: team.users.admin.id })).toEqual(["B admin's todo", "A member's urgent"]);
    expect(await titles({ ...page, assigneeMe: true }, team.viewer)).toEqual([]);
    expect(await titles({ ...page, creatorMe: true })).toEqual(["D unassigned", "A member's urgent"]);
    expect(await titles({ ...page, creatorMe: true }, team.admin)).toEqual(["C admin's urgent todo", "B admin's todo"]);
    expect(await titles({ ...page, assigneeMe: false, creatorMe: null, assigneeId: null, statusId: null, priority: null, search: null })).toHaveLength(4);
  });

  test("filters combine", async () => {
    expect(await titles({ ...page, priority: "urgent", statusId: created.b!.statusId })).toEqual(["C admin's urgent todo"]);
    expect(await titles({ ...page, priority: "urgent", creatorMe: true })).toEqual(["A member's urgent"]);
  });

  test("limit, offset and nextOffset", async () => {
    const first = await suite.services.tasks.list(team.member, { limit: 3, offset: 0 });
    expect(first.items.map((item) => item.task.title)).toEqual(["D unassigned", "C admin's urgent todo", "B admin's todo"]);
    expect(first.nextOffset).toBe(3);
    const second = await suite.services.tasks.list(team.member, { limit: 3, offset: 3 });
    expect(second.items.map((item) => item.task.title)).toEqual(["A member's urgent"]);
    expect(second.nextOffset).toBeNull();
    const exact = await suite.services.tasks.list(team.member, { limit: 4, offset: 0 });
    expect(exact.items).toHaveLength(4);
    expect(exact.nextOffset).toBeNull();
    const past = await suite.services.tasks.list(team.member, { limit: 2, offset: 10 });
    expect(past).toEqual({ items: [], nextOffset: null });
    const one = await suite.services.tasks.list(team.member, { limit: 1, offset: 1 });
    expect(one.items.map((item) => item.task.title)).toEqual(["C admin's urgent todo"]);
    expect(one.nextOffset).toBe(2);
  });

  test("an organization without tasks lists nothing", async () => {
    const empty = await createTeam(suite.services, "empty");
    expect(await suite.services.tasks.list(empty.viewer, page)).toEqual({ items: [], nextOffset: null });
  });
});
