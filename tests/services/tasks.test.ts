/** Task service contract: create, get, update, delete, roles and organization isolation (docs/tools.md#tasks). */
import { expect, test } from "bun:test";
import type { Actor } from "../../src/services/actor.ts";
import type { Services } from "../../src/services/index.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { createTeam } from "../helpers/fixtures.ts";
import { expectServiceError } from "../helpers/service-errors.ts";

async function statusOfType(services: Services, actor: Actor, type: string) {
  const status = (await services.statuses.listFor(actor)).find((s) => s.type === type);
  if (!status) throw new Error(`No ${type} status`);
  return status;
}

describeEachDatabase("tasks service", (suite) => {
  test("slug: lowercase, runs of other characters become one dash, dashes trimmed", async () => {
    const { member } = await createTeam(suite.services);
    const task = await suite.services.tasks.create(member, { title: "  Fix the LOGIN bug!! (again)  " });
    expect(task.slug).toBe("fix-the-login-bug-again");
    expect(task.title).toBe("  Fix the LOGIN bug!! (again)  ");
  });

  test("slug: a clash appends -1, -2; deleted tasks keep their slug reserved", async () => {
    const { member } = await createTeam(suite.services);
    const create = (title: string) => suite.services.tasks.create(member, { title });
    const first = await create("Deploy");
    expect(first.slug).toBe("deploy");
    expect((await create("deploy")).slug).toBe("deploy-1");
    await suite.services.tasks.delete(member, first.id);
    expect((await create("DEPLOY!")).slug).toBe("deploy-2");
    // A longer slug that merely starts with the base is no clash.
    expect((await create("Deploy docs")).slug).toBe("deploy-docs");
  });

  test("slug: non-ASCII or punctuation-only titles become task, task-1", async () => {
    const { member } = await createTeam(suite.services);
    expect((await suite.services.tasks.create(member, { title: "日本語のタスク" })).slug).toBe("task");
    expect((await suite.services.tasks.create(member, { title: "!!! — ???" })).slug).toBe("task-1");
    expect((await suite.services.tasks.create(member, { title: "Café ünïcode" })).slug).toBe("caf-n-code");
  });

  test("slug: cut to 50 characters without a trailing dash", async () => {
    const { member } = await createTeam(suite.services);
    const long = await suite.services.tasks.create(member, { title: "a".repeat(80) });
    expect(long.slug).toBe("a".repeat(50));
    const again = await suite.services.tasks.create(member, { title: "A".repeat(60) });
    expect(again.slug).toBe(`${"a".repeat(50)}-1`);
    const dashAtCut = await suite.services.tasks.create(member, { title: `${"b".repeat(49)} tail` });
    expect(dashAtCut.slug).toBe("b".repeat(49));
  });

  test("slug: concurrent creates with one title all succeed with distinct slugs", async () => {
    const { member } = await createTeam(suite.services);
    const created = await Promise.all([1, 2, 3, 4].map(() => suite.services.tasks.create(member, { title: "Race" })));
    expect(created.map((task) => task.slug).sort()).toEqual(["race", "race-1", "race-2", "race-3"]);
  });

  test("slugs are per organization", async () => {
    const a = await createTeam(suite.services, "a");
    const b = await createTeam(suite.services, "b");
    expect((await suite.services.tasks.create(a.member, { title: "Shared title" })).slug).toBe("shared-title");
    expect((await suite.services.tasks.create(b.member, { title: "Shared title" })).slug).toBe("shared-title");
  });

  test("create: defaults (first backlog status, priority none, creator) and all fields stored", async () => {
    const { member, users } = await createTeam(suite.services);
    const backlog = await statusOfType(suite.services, member, "backlog");
    const plain = await suite.services.tasks.create(member, { title: "Plain" });
    expect(plain).toMatchObject({
      statusId: backlog.id,
      priority: "none",
      creatorId: member.userId,
      assigneeId: null,
      description: null,
      labels: null,
      estimate: null,
      dueDate: null,
      prUrl: null,
      branch: null,
      startedAt: null,
      completedAt: null,
      organizationId: member.organizationId,
    });
    expect(plain.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const full = await suite.services.tasks.create(member, {
      title: "Full",
      description: "Body",
      priority: "urgent",
      assigneeId: users.admin.id,
      estimate: 5,
      dueDate: "2031-02-03T04:05:06+02:00",
      labels: ["bug", "ui"],
    });
    expect(full).toMatchObject({ description: "Body", priority: "urgent", assigneeId: users.admin.id, estimate: 5, dueDate: "2031-02-03T02:05:06.000Z", labels: ["bug", "ui"] });
    expect(await suite.services.tasks.get(member, full.id)).toEqual(full);
  });

  test("create: into a started or completed status sets startedAt / completedAt", async () => {
    const { member } = await createTeam(suite.services);
    const started = await statusOfType(suite.services, member, "started");
    const completed = await statusOfType(suite.services, member, "completed");
    const inProgress = await suite.services.tasks.create(member, { title: "Going", statusId: started.id });
    expect(inProgress.startedAt).toBe(inProgress.createdAt);
    expect(inProgress.completedAt).toBeNull();
    const done = await suite.services.tasks.create(member, { title: "Done already", statusId: completed.id.toUpperCase() });
    expect(done.statusId).toBe(completed.id);
    expect(done.completedAt).toBe(done.createdAt);
    expect(done.startedAt).not.toBeNull();
  });

  test("update: moving to started sets startedAt, to completed sets completedAt and keeps startedAt", async () => {
    const { member } = await createTeam(suite.services);
    const task = await suite.services.tasks.create(member, { title: "Move me" });
    const started = await suite.services.tasks.update(member, task.id, { statusId: (await statusOfType(suite.services, member, "started")).id });
    expect(started.startedAt).toBe(started.updatedAt);
    expect(started.completedAt).toBeNull();
    const completed = await suite.services.tasks.update(member, task.id, { statusId: (await statusOfType(suite.services, member, "completed")).id });
    expect(completed.completedAt).toBe(completed.updatedAt);
    expect(completed.startedAt).toBe(started.startedAt);
  });

  test("update: writes only the keys present; null clears", async () => {
    const { member } = await createTeam(suite.services);
    const task = await suite.services.tasks.create(member, { title: "Keep", description: "Text", priority: "high", estimate: 3, labels: ["x"], dueDate: "2031-01-01T00:00:00Z" });
    const renamed = await suite.services.tasks.update(member, task.id, { title: "Renamed" });
    expect(renamed).toEqual({ ...task, title: "Renamed", updatedAt: renamed.updatedAt });
    expect(renamed.updatedAt > task.updatedAt).toBe(true);
    expect(renamed.slug).toBe(task.slug);
    const cleared = await suite.services.tasks.update(member, task.id, { description: null, estimate: null, labels: null, dueDate: null });
    expect(cleared).toMatchObject({ title: "Renamed", priority: "high", description: null, estimate: null, labels: null, dueDate: null });
    const withPr = await suite.services.tasks.update(member, task.id, { prUrl: "https://github.com/acme/app/pull/7", priority: "low" });
    expect(withPr).toMatchObject({ prUrl: "https://github.com/acme/app/pull/7", priority: "low", title: "Renamed" });
    expect(await suite.services.tasks.get(member, task.id)).toEqual(withPr);
  });

  test("the assignee must be a member of the organization; null unassigns", async () => {
    const team = await createTeam(suite.services, "own");
    const other = await createTeam(suite.services, "other");
    await expectServiceError(suite.services.tasks.create(team.member, { title: "X", assigneeId: other.users.member.id }), "invalid");
    await expectServiceError(suite.services.tasks.create(team.member, { title: "X", assigneeId: crypto.randomUUID() }), "invalid");
    await expectServiceError(suite.services.tasks.create(team.member, { title: "X", assigneeId: team.users.member.username }), "invalid");
    const task = await suite.services.tasks.create(team.member, { title: "Assign" });
    await expectServiceError(suite.services.tasks.update(team.member, task.id, { assigneeId: other.users.owner.id }), "invalid");
    const assigned = await suite.services.tasks.update(team.member, task.id, { assigneeId: team.users.viewer.id });
    expect(assigned.assigneeId).toBe(team.users.viewer.id);
    expect((await suite.services.tasks.update(team.member, task.id, { assigneeId: null })).assigneeId).toBeNull();
  });

  test("an unknown status, or another organization's, is refused", async () => {
    const team = await createTeam(suite.services, "own");
    const other = await createTeam(suite.services, "other");
    const foreign = await statusOfType(suite.services, other.member, "started");
    await expectServiceError(suite.services.tasks.create(team.member, { title: "X", statusId: crypto.randomUUID() }), "invalid");
    await expectServiceError(suite.services.tasks.create(team.member, { title: "X", statusId: foreign.id }), "invalid");
    await expectServiceError(suite.services.tasks.create(team.member, { title: "X", statusId: "backlog" }), "invalid");
    const task = await suite.services.tasks.create(team.member, { title: "Status" });
    await expectServiceError(suite.services.tasks.update(team.member, task.id, { statusId: foreign.id }), "invalid");
    expect((await suite.services.tasks.get(team.member, task.id))!.statusId).toBe(task.statusId);
  });

  test("get by id (any case) and by slug; unknown gives null", async () => {
    const { member } = await createTeam(suite.services);
    const task = await suite.services.tasks.create(member, { title: "Find me" });
    expect(await suite.services.tasks.get(member, task.id)).toEqual(task);
    expect(await suite.services.tasks.get(member, task.id.toUpperCase())).toEqual(task);
    expect(await suite.services.tasks.get(member, "find-me")).toEqual(task);
    expect(await suite.services.tasks.get(member, "find-me-not")).toBeNull();
    expect(await suite.services.tasks.get(member, crypto.randomUUID())).toBeNull();
  });

  test("delete is soft: the task disappears from get and list, a second delete is not_found", async () => {
    const { member } = await createTeam(suite.services);
    const keep = await suite.services.tasks.create(member, { title: "Keep" });
    const gone = await suite.services.tasks.create(member, { title: "Gone" });
    expect(await suite.services.tasks.delete(member, gone.id)).toEqual({ deleted: true, id: gone.id });
    expect(await suite.services.tasks.get(member, gone.id)).toBeNull();
    expect(await suite.services.tasks.get(member, "gone")).toBeNull();
    const list = await suite.services.tasks.list(member, { limit: 50, offset: 0 });
    expect(list.items.map((item) => item.task.id)).toEqual([keep.id]);
    await expectServiceError(suite.services.tasks.delete(member, gone.id), "not_found");
    await expectServiceError(suite.services.tasks.update(member, gone.id, { title: "Back" }), "not_found");
  });

  test("a viewer may read but not create, update or delete", async () => {
    const { member, viewer } = await createTeam(suite.services);
    const task = await suite.services.tasks.create(member, { title: "Read only" });
    expect((await expectServiceError(suite.services.tasks.create(viewer, { title: "Nope" }), "forbidden")).message).toContain("viewer");
    await expectServiceError(suite.services.tasks.update(viewer, task.id, { title: "Nope" }), "forbidden");
    await expectServiceError(suite.services.tasks.delete(viewer, task.id), "forbidden");
    expect(await suite.services.tasks.get(viewer, task.id)).toEqual(task);
    expect((await suite.services.tasks.list(viewer, { limit: 50, offset: 0 })).items).toHaveLength(1);
  });

  test("isolation: another organization's task is not found by id or slug, and stays unchanged", async () => {
    const a = await createTeam(suite.services, "a");
    const b = await createTeam(suite.services, "b");
    const secret = await suite.services.tasks.create(b.owner, { title: "B secret", description: "private" });
    expect(await suite.services.tasks.get(a.owner, secret.id)).toBeNull();
    expect(await suite.services.tasks.get(a.owner, secret.slug)).toBeNull();
    await expectServiceError(suite.services.tasks.update(a.owner, secret.id, { title: "stolen" }), "not_found");
    await expectServiceError(suite.services.tasks.update(a.owner, secret.slug, { title: "stolen" }), "not_found");
    await expectServiceError(suite.services.tasks.delete(a.owner, secret.id), "not_found");
    await expectServiceError(suite.services.tasks.delete(a.owner, secret.slug), "not_found");
    expect((await suite.services.tasks.list(a.owner, { limit: 50, offset: 0 })).items).toEqual([]);
    expect((await suite.services.tasks.list(a.owner, { search: "secret", limit: 50, offset: 0 })).items).toEqual([]);
    expect(await suite.services.tasks.get(b.owner, secret.id)).toEqual(secret);
  });
});
