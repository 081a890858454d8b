/** The response size guard (docs/configuration.md#response-size-guard) over the real tools and services. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { configureLog } from "../../src/log.ts";
import { composeLayers, runToolCall, serializedToolResult, type CallToolResult } from "../../src/mcp/tool-calls.ts";
import { estimateTokens, sizeGuardLayer, type SizeGuardConfig } from "../../src/server/pipeline/size-guard.ts";
import type { Actor } from "../../src/services/actor.ts";
import type { Services } from "../../src/services/index.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";
import type { ToolContext } from "../../src/tools/types.ts";
import type { HostAccess } from "../../src/hosts/access.ts";
import type { RuntimeInfo } from "../../src/runtime-info.ts";
import { createTestApp, idleHostAccess } from "../helpers/app.ts";
import { createTeam, type Team } from "../helpers/fixtures.ts";
import { expectWellFormedResult } from "../helpers/tool-results.ts";

const TASK_COUNT = 30;
const LIST_TOKEN_LIMIT = 2_000;
const runtime: RuntimeInfo = { startedAtMs: Date.now(), store: "memory", schedulerRunning: false, hostsOnline: () => 0, hostsConnectedHere: () => 0 };

let services: Services;
let hosts: HostAccess;
/** The log lines of the file's calls, parsed; a test that reads them empties it first. */
let logged: Record<string, unknown>[] = [];
/** A team whose tasks go well over LIST_TOKEN_LIMIT when listed. */
let listTeam: Team;
let taskIds: string[];

beforeAll(async () => {
  configureLog({ format: "json", write: (line) => logged.push(JSON.parse(line)) });
  services = (await createTestApp()).services;
  hosts = idleHostAccess(services);
  listTeam = await createTeam(services, "size");
  const created = [];
  for (let index = 0; index < TASK_COUNT; index++) {
    // Multi-byte text, so that bytes and characters differ.
    created.push(await services.tasks.create(listTeam.member, { title: `Task ${index}`, description: `Beschreibung ${index}: ${"größer 日本語 ".repeat(40)}` }));
  }
  taskIds = created.map((task) => task.id);
});

afterAll(() => configureLog({ format: process.stderr.isTTY ? "text" : "json", write: (line) => process.stderr.write(line + "\n") }));

const config = (overrides: Partial<SizeGuardConfig> = {}): SizeGuardConfig => ({ enabled: true, token_limit: LIST_TOKEN_LIMIT, warn_threshold_pct: 80, excluded_tools: [], ...overrides });
const toolNamed = (name: string) => ALL_TOOLS.find((tool) => tool.name === name)!;
const context = (actor: Actor): ToolContext => ({ services, actor, scopes: ["mcp:read", "mcp:write"], runtime, callId: "size-guard-test", hosts });

/** Calls a tool through the size guard alone. */
function guarded(guardConfig: SizeGuardConfig, name: string, args: Record<string, unknown> = {}, actor: Actor = listTeam.member): Promise<CallToolResult> {
  return composeLayers([sizeGuardLayer({ config: guardConfig })])({ tool: toolNamed(name), arguments: args, context: context(actor) });
}

/** Calls a tool with no guard at all. */
function unguarded(name: string, args: Record<string, unknown> = {}, actor: Actor = listTeam.member): Promise<CallToolResult> {
  return runToolCall({ tool: toolNamed(name), arguments: args, context: context(actor) });
}

const textOf = (result: CallToolResult) => result.content[0]!.text;
const estimateOf = (result: CallToolResult) => estimateTokens(serializedToolResult(result)!);

/** The log lines `body` wrote. */
async function logOf(body: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  logged = [];
  await body();
  return logged;
}

describe("estimateTokens", () => {
  test("is UTF-8 bytes ÷ 4, rounded up", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("abcd")).toBe(1);
    expect(estimateTokens("abcde")).toBe(2);
  });

  test("counts multi-byte characters by their bytes, not their UTF-16 length", () => {
    expect(estimateTokens("éé")).toBe(1); // 4 bytes
    expect(estimateTokens("ééé")).toBe(2); // 6 bytes
    expect(estimateTokens("日本語")).toBe(3); // 9 bytes
    expect(estimateTokens("😀😀")).toBe(2); // 8 bytes, 4 UTF-16 units
    expect(estimateTokens("a😀")).toBe(2); // 5 bytes
  });
});

describe("a list tool over the limit", () => {
  test("answers the longest prefix of its page that fits, marked truncated, with the nextOffset that continues it", async () => {
    const whole = await unguarded("tasks_list", { offset: 3 });
    expect(estimateOf(whole)).toBeGreaterThan(LIST_TOKEN_LIMIT);
    const result = await guarded(config(), "tasks_list", { offset: 3 });
    expectWellFormedResult("tasks_list", result);
    const page = result.structuredContent as { result: { task: { id: string } }[]; nextOffset: number; truncated: true };
    const kept = page.result.length;
    expect(kept).toBeGreaterThan(0);
    expect(page.truncated).toBe(true);
    expect(page.nextOffset).toBe(3 + kept);
    expect(page.result).toEqual((whole.structuredContent!.result as unknown[]).slice(0, kept) as never);
    expect(serializedToolResult(result)).toBe(textOf(result));
    expect(estimateOf(result)).toBeLessThanOrEqual(LIST_TOKEN_LIMIT);
    // Longest: one more item would not have fitted.
    const oneMore = { ...page, result: (whole.structuredContent!.result as unknown[]).slice(0, kept + 1), nextOffset: 3 + kept + 1 };
    expect(estimateTokens(JSON.stringify(oneMore))).toBeGreaterThan(LIST_TOKEN_LIMIT);
  });

  test("following nextOffset pages through every task exactly once", async () => {
    const seen: string[] = [];
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const result = await guarded(config(), "tasks_list", { offset, limit: 20 });
      expectWellFormedResult("tasks_list", result);
      expect(estimateOf(result)).toBeLessThanOrEqual(LIST_TOKEN_LIMIT);
      const page = result.structuredContent as { result: { task: { id: string } }[]; nextOffset: number | null };
      seen.push(...page.result.map((item) => item.task.id));
      offset = page.nextOffset;
      expect(++pages).toBeLessThanOrEqual(TASK_COUNT);
    }
    expect(pages).toBeGreaterThan(2);
    // In list order: tasks created within one millisecond are ordered by id, not by creation.
    const listed = (await unguarded("tasks_list", { limit: 500 })).structuredContent!.result as { task: { id: string } }[];
    expect(seen).toEqual(listed.map((item) => item.task.id));
    expect([...seen].sort()).toEqual([...taskIds].sort());
  });

  test("a page that fits is returned as it is, without truncated", async () => {
    const result = await guarded(config(), "tasks_list", { limit: 2 });
    expect(result.structuredContent).toEqual((await unguarded("tasks_list", { limit: 2 })).structuredContent!);
    expect(result.structuredContent).not.toHaveProperty("truncated");
  });

  test("when not even one item fits, it answers like any other tool, with suggestions from its own parameters", async () => {
    const result = await guarded(config({ token_limit: 50 }), "tasks_list");
    expectWellFormedResult("tasks_list", result);
    expect(result.isError).toBe(true);
    const estimate = estimateOf(await unguarded("tasks_list"));
    expect(textOf(result)).toBe(
      `The answer of tasks_list is about ${estimate} tokens, over the limit of 50 tokens (MCP_RESPONSE_SIZE_CONFIG.token_limit); to get a smaller answer, ` +
        "read the rest in further calls with offset, narrow it with search, filter by statusId (see tasks_statuses_list), filter by priority or filter by assigneeId (see organization_members_list).",
    );
  });

  test("filters the call already uses are not suggested again", async () => {
    const text = textOf(await guarded(config({ token_limit: 50 }), "tasks_list", { priority: "none", search: "Beschreibung" }));
    expect(text).not.toContain("filter by priority");
    expect(text).toContain("use a more specific search");
    expect(text).toContain("set assigneeMe to true");
  });
});

describe("any other tool over the limit", () => {
  let bigTeam: Team;
  let bigTaskId: string;
  beforeAll(async () => {
    bigTeam = await createTeam(services, "big");
    bigTaskId = (await services.tasks.create(bigTeam.member, { title: "Huge", description: "x".repeat(20_000) })).id;
  });

  test("answers isError with the estimate, the limit and its key, and says when no parameter can help", async () => {
    const estimate = estimateOf(await unguarded("tasks_get", { idOrSlug: bigTaskId }, bigTeam.member));
    const result = await guarded(config(), "tasks_get", { idOrSlug: bigTaskId }, bigTeam.member);
    expectWellFormedResult("tasks_get", result);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      `The answer of tasks_get is about ${estimate} tokens, over the limit of ${LIST_TOKEN_LIMIT} tokens (MCP_RESPONSE_SIZE_CONFIG.token_limit), ` +
        "and tasks_get has no parameter that makes its answer smaller; ask the server operator to raise MCP_RESPONSE_SIZE_CONFIG.token_limit or to add tasks_get to MCP_RESPONSE_SIZE_CONFIG.excluded_tools.",
    );
  });

  test("suggests only the tool's own parameters, with a limit scaled from how far over it was", async () => {
    const whole = await unguarded("organization_members_list", {}, bigTeam.member);
    const returned = (whole.structuredContent!.members as unknown[]).length;
    const estimate = estimateOf(whole);
    const tokenLimit = Math.ceil(estimate / 2);
    const result = await guarded(config({ token_limit: tokenLimit }), "organization_members_list", {}, bigTeam.member);
    expectWellFormedResult("organization_members_list", result);
    expect(result.isError).toBe(true);
    const smaller = Math.floor((returned * tokenLimit) / estimate);
    expect(smaller).toBeGreaterThanOrEqual(1);
    expect(textOf(result)).toBe(
      `The answer of organization_members_list is about ${estimate} tokens, over the limit of ${tokenLimit} tokens (MCP_RESPONSE_SIZE_CONFIG.token_limit); ` +
        `to get a smaller answer, set limit to ${smaller} or narrow it with search.`,
    );
  });
});

describe("warnings", () => {
  test("one warning with tool, user, organization, estimate and limit above the threshold, none below", async () => {
    const estimate = estimateOf(await unguarded("tasks_list", { limit: 3 }));
    const nearLimit = Math.ceil(estimate / 0.9);
    const farBelow = estimate * 2;
    const near = await logOf(async () => {
      const result = await guarded(config({ token_limit: nearLimit }), "tasks_list", { limit: 3 });
      expect(result.structuredContent).not.toHaveProperty("truncated");
    });
    expect(await logOf(() => guarded(config({ token_limit: farBelow }), "tasks_list", { limit: 3 }))).toEqual([]);
    expect(near).toHaveLength(1);
    expect(near[0]).toMatchObject({
      level: "warn",
      tool: "tasks_list",
      user: listTeam.member.username,
      organization: listTeam.member.organizationSlug,
      estimatedTokens: estimate,
      tokenLimit: nearLimit,
      outcome: "passed",
    });
  });

  test("an answer over the limit is logged once, with what the guard did", async () => {
    const lines = await logOf(() => guarded(config(), "tasks_list"));
    expect(lines.map((line) => [line.level, line.outcome])).toEqual([["warn", "truncated"]]);
  });
});

describe("switches", () => {
  test("excluded_tools are never checked nor logged", async () => {
    const lines = await logOf(async () => {
      const result = await guarded(config({ token_limit: 1, excluded_tools: ["tasks_list"] }), "tasks_list");
      expect(result.isError).toBeUndefined();
      expect(result.structuredContent).toEqual((await unguarded("tasks_list")).structuredContent!);
    });
    expect(lines).toEqual([]);
  });

  test("enabled: false gives the handler back unchanged", async () => {
    const layer = sizeGuardLayer({ config: config({ enabled: false, token_limit: 1 }) });
    expect(layer(runToolCall)).toBe(runToolCall);
    const result = await guarded(config({ enabled: false, token_limit: 1 }), "tasks_list");
    expect(result.structuredContent).not.toHaveProperty("truncated");
  });

  test("error results are passed on unchecked", async () => {
    const lines = await logOf(async () => {
      const result = await guarded(config({ token_limit: 1, warn_threshold_pct: 0 }), "tasks_update", { id: crypto.randomUUID(), title: "x".repeat(100) });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toStartWith("Task ");
    });
    expect(lines).toEqual([]);
  });
});
