/** The task tools through MCP: the whole flow, the error sentences, hostile input and an internal fault. */
import { beforeAll, describe, expect, test } from "bun:test";
import { configureLog } from "../../src/log.ts";
import type { Task } from "../../src/services/tasks.ts";
import { call, createTestApp, initialize, toolResult, type TestApp } from "../helpers/app.ts";
import { expectWellFormedResult } from "../helpers/tool-results.ts";

interface ListItem {
  task: Task;
  assignee: { id: string; name: string } | null;
  creator: { id: string; name: string } | null;
  statusName: string;
}
type Status = { id: string; name: string; type: string };

let t: TestApp;
/** Added to the services' clock: the listing test steps it so each task has its own createdAt, without waiting. */
let clockOffsetMs = 0;
let sessionId: string;
let statuses: Status[];

/** Calls a tool, checks the result's conventions, and returns its value or its error sentence. */
async function run(name: string, args: Record<string, unknown>): Promise<{ value?: any; error?: string }> {
  const result = await toolResult(t.app, name, args, sessionId);
  expectWellFormedResult(name, result);
  return result.isError ? { error: result.content[0]!.text } : { value: result.structuredContent };
}

async function ok<T = any>(name: string, args: Record<string, unknown>): Promise<T> {
  const { value, error } = await run(name, args);
  if (error !== undefined) throw new Error(`${name} failed: ${error}`);
  return value as T;
}

async function fails(name: string, args: Record<string, unknown>): Promise<string> {
  const { error } = await run(name, args);
  if (error === undefined) throw new Error(`${name} succeeded where it should fail`);
  // One plain sentence: no line breaks, ends with a full stop.
  expect(error).not.toContain("\n");
  expect(error).toMatch(/\.$/);
  return error;
}

const create = async (args: Record<string, unknown>) => (await ok<{ task: Task }>("tasks_create", args)).task;
const list = (args: Record<string, unknown> = {}) => ok<{ result: ListItem[]; nextOffset: number | null }>("tasks_list", args);
const statusOfType = (type: string) => statuses.find((status) => status.type === type)!;

beforeAll(async () => {
  t = await createTestApp({}, { now: () => new Date(Date.now() + clockOffsetMs) });
  sessionId = await initialize(t.app);
  statuses = (await ok<{ statuses: Status[] }>("tasks_statuses_list", {})).statuses;
});

describe("a task's life", () => {
  test("statuses are the five defaults in board order", () => {
    expect(statuses.map((status) => status.name)).toEqual(["Backlog", "Todo", "In Progress", "Done", "Canceled"]);
  });

  test("create, get, list, update, delete", async () => {
    const task = await create({ title: "Fix the login bug", description: "Users cannot sign in", priority: "high", labels: ["auth"], estimate: 3, dueDate: "2030-05-01T12:00:00+02:00" });
    expect(task).toMatchObject({ slug: "fix-the-login-bug", title: "Fix the login bug", priority: "high", labels: ["auth"], estimate: 3, dueDate: "2030-05-01T10:00:00.000Z" });
    expect(task.statusId).toBe(statusOfType("backlog").id);
    expect(task.startedAt).toBeNull();
    expect(task.createdAt).toMatch(/Z$/);

    expect((await ok("tasks_get", { idOrSlug: task.id })).result).toEqual(task);
    expect((await ok("tasks_get", { idOrSlug: task.id.toUpperCase() })).result).toEqual(task);
    expect((await ok("tasks_get", { idOrSlug: "fix-the-login-bug" })).result).toEqual(task);

    const item = (await list()).result.find((entry) => entry.task.id === task.id)!;
    expect(item.statusName).toBe("Backlog");
    expect(item.creator).toEqual({ id: task.creatorId!, name: "admin" });
    expect(item.assignee).toBeNull();

    const started = (await ok<{ task: Task }>("tasks_update", { id: task.id, statusId: statusOfType("started").id, assigneeId: task.creatorId, description: null })).task;
    expect(started).toMatchObject({ id: task.id, title: "Fix the login bug", description: null, assigneeId: task.creatorId, priority: "high" });
    expect(started.startedAt).toMatch(/Z$/);
    const done = (await ok<{ task: Task }>("tasks_update", { id: task.id, statusId: statusOfType("completed").id, prUrl: "https://github.com/acme/app/pull/7" })).task;
    expect(done.completedAt).toMatch(/Z$/);
    expect(done.startedAt).toBe(started.startedAt);
    expect(done.prUrl).toBe("https://github.com/acme/app/pull/7");
    expect((await list({ assigneeMe: true })).result.map((entry) => entry.task.id)).toContain(task.id);

    expect(await ok("tasks_delete", { id: task.id })).toEqual({ deleted: true, id: task.id });
    expect(await ok("tasks_get", { idOrSlug: task.id })).toEqual({ result: null });
    expect((await list()).result.map((entry) => entry.task.id)).not.toContain(task.id);
    // The slug stays reserved.
    expect((await create({ title: "Fix the login bug" })).slug).toBe("fix-the-login-bug-1");
  });
});

describe("errors are sentences the model can act on", () => {
  test("a task that does not exist", async () => {
    const id = crypto.randomUUID();
    expect(await fails("tasks_update", { id, title: "x" })).toBe(`Task ${id} not found in organization default; call tasks_list to find its id.`);
    expect(await fails("tasks_delete", { id })).toContain(`Task ${id} not found in organization default`);
  });

  test("an invalid uuid names the path and the rule", async () => {
    expect(await fails("tasks_delete", { id: "fix-login" })).toBe("Invalid arguments for tasks_delete: id: must be a UUID.");
    const several = await fails("tasks_create", { title: "", priority: "asap", estimate: 0 });
    expect(several).toStartWith("Invalid arguments for tasks_create: ");
    for (const fragment of ["title: must not be empty", "priority: must be one of urgent, high, medium, low, none", "estimate: must be at least 1"]) expect(several).toContain(fragment);
  });

  test("tasks_update with only an id", async () => {
    const task = await create({ title: "Untouched" });
    expect(await fails("tasks_update", { id: task.id })).toBe("Invalid arguments for tasks_update: give at least one field to change besides id.");
  });

  test("a status that is not the organization's", async () => {
    const task = await create({ title: "Status check" });
    const statusId = crypto.randomUUID();
    expect(await fails("tasks_update", { id: task.id, statusId })).toBe(`Status ${statusId} does not exist in organization default; call tasks_statuses_list for valid status ids.`);
    expect(await fails("tasks_create", { title: "x", statusId })).toContain("tasks_statuses_list");
  });

  test("an assignee who is not a member", async () => {
    expect(await fails("tasks_create", { title: "x", assigneeId: crypto.randomUUID() })).toContain("organization_members_list");
  });
});

describe("hostile input is stored and returned verbatim", () => {
  const HOSTILE = [
    "'; DROP TABLE tasks; --",
    "Robert'); DELETE FROM tasks WHERE ('1'='1",
    "<script>alert(1)</script>",
    "\"quoted\" AND title MATCH '*' OR NEAR(a b)",
    "Ünïcødé 🚀 任务 — ½ \u200b",
    "back\\slash %percent% _under_",
    // As long as a title may be (limits.ts).
    "x".repeat(500),
  ];

  test("each title and description round-trips, and earlier tasks are intact", async () => {
    const earlier = await create({ title: "Earlier task", description: "keep me" });
    const countBefore = (await list({ limit: 500 })).result.length;
    for (const text of HOSTILE) {
      const label = text.slice(0, 50);
      const task = await create({ title: text, description: text, labels: [label] });
      expect(task.title).toBe(text);
      expect(task.slug.length).toBeLessThanOrEqual(50);
      expect(task.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      const fetched = (await ok<{ result: Task }>("tasks_get", { idOrSlug: task.id })).result;
      expect(fetched.title).toBe(text);
      expect(fetched.description).toBe(text);
      expect(fetched.labels).toEqual([label]);
      expect((await ok<{ result: Task }>("tasks_get", { idOrSlug: task.slug })).result.id).toBe(task.id);
    }
    expect((await list({ limit: 500 })).result.length).toBe(countBefore + HOSTILE.length);
    expect((await ok("tasks_get", { idOrSlug: earlier.id })).result).toEqual(earlier);
  });

  test.each([["'; DROP TABLE tasks; --"], ["<script>"], ['"quoted"'], ["NEAR(a"], ["%percent%"], ["_under_"], ["back\\slash"], ["🚀"], ["任务"], ["ÜNÏCØDÉ"]])(
    "search for %s finds the task that contains it",
    async (query) => {
      const found = (await list({ search: query, limit: 500 })).result.map((entry) => entry.task.title);
      expect(found.length).toBeGreaterThan(0);
      for (const title of found) expect(title.toLowerCase()).toContain(query.toLowerCase());
    },
  );

  test.each([['"'], ["*"], ["AND OR NOT"], ["^title:"], ["'"], ["((("], ["\\"], ["-"]])("search for %s does not crash", async (query) => {
    expect(Array.isArray((await list({ search: query })).result)).toBe(true);
  });
});

describe("listing", () => {
  test("pages with limit and offset, nextOffset null on the last page", async () => {
    const titles = ["Page A", "Page B", "Page C", "Page D", "Page E"];
    for (const title of titles) {
      await create({ title, labels: ["paging"] });
      clockOffsetMs += 1_000; // distinct createdAt, so "newest first" has one right answer
    }
    const seen: string[] = [];
    const offsets: (number | null)[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page: { result: ListItem[]; nextOffset: number | null } = await list({ search: "page", limit: 2, offset });
      expect(page.result.length).toBeLessThanOrEqual(2);
      seen.push(...page.result.map((entry) => entry.task.title));
      offsets.push((offset = page.nextOffset));
    }
    expect(offsets).toEqual([2, 4, null]);
    expect([...seen].sort()).toEqual(titles);
    expect(seen).toEqual([...titles].reverse()); // newest first
  });

  test("search matches a fragment inside a word, case-insensitively", async () => {
    const task = await create({ title: "Refactor Authentication middleware", description: "split the SessionStore" });
    for (const fragment of ["thenticat", "DDLEWA", "sionsto", "ref"]) {
      expect((await list({ search: fragment })).result.map((entry) => entry.task.id)).toContain(task.id);
    }
    expect((await list({ search: "thenticat zzzz" })).result).toEqual([]);
  });

  test("a list never exceeds its limit and refuses a limit out of range", async () => {
    expect((await list({ limit: 1 })).result).toHaveLength(1);
    expect(await fails("tasks_list", { limit: 501 })).toContain("limit: must be at most 500");
  });
});

describe("an internal fault", () => {
  test("is an isError naming a call id, logged with the stack, and the server keeps answering", async () => {
    const own = await createTestApp();
    const session = await initialize(own.app);
    const lines: string[] = [];
    configureLog({ write: (line) => lines.push(line) });
    try {
      await own.db.close();
      const result = await toolResult(own.app, "tasks_list", {}, session);
      expectWellFormedResult("tasks_list", result);
      expect(result.isError).toBe(true);
      const text = result.content[0]!.text;
      const callId = text.match(/^Internal error \(call id ([\w-]+)\)\.$/)?.[1];
      expect(callId).toBeDefined();
      expect(text).not.toMatch(/closed|database|sqlite|at /i);
      const logged = lines.map((line) => JSON.parse(line) as Record<string, string>).find((entry) => entry.callId === callId);
      expect(logged).toMatchObject({ level: "error", tool: "tasks_list" });
      expect(logged!.error).toContain("closed database");
    } finally {
      configureLog({ write: (line) => process.stderr.write(line + "\n") });
    }
    expect((await call(own.app, "ping", undefined, session)).result).toEqual({});
  });
});
