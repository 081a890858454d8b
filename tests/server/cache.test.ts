/**
 * The response cache (docs/configuration.md#response-cache) as a tool-call layer over the real tools and
 * services, counting how often each tool really runs; and its plugin through `app.handle`.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { defaultConfig } from "../../src/config/defaults.ts";
import { composeLayers, runToolCall, serializedToolResult, type CallToolResult, type ToolCallHandler } from "../../src/mcp/tool-calls.ts";
import { canonicalJson, invalidateOrganization, responseCacheLayer, type CacheConfig } from "../../src/server/pipeline/cache.ts";
import type { Actor } from "../../src/services/actor.ts";
import type { Services } from "../../src/services/index.ts";
import { createMemoryStore } from "../../src/store/memory.ts";
import type { Store } from "../../src/store/types.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";
import type { ToolContext } from "../../src/tools/types.ts";
import type { HostAccess } from "../../src/hosts/access.ts";
import { createTestApp, idleHostAccess } from "../helpers/app.ts";
import { createTeam, type Team } from "../helpers/fixtures.ts";

const BOTH_SCOPES = ["mcp:read", "mcp:write"];
const TTL_SECONDS = 60;

let services: Services;
let hosts: HostAccess;
let team: Team;
let otherTeam: Team;

beforeAll(async () => {
  ({ services } = await createTestApp());
  hosts = idleHostAccess(services);
  team = await createTeam(services, "cache");
  otherTeam = await createTeam(services, "cache-other");
  await services.tasks.create(team.member, { title: "Cached task" });
});

const toolNamed = (name: string) => ALL_TOOLS.find((tool) => tool.name === name)!;

function contextFor(actor: Actor, scopes: readonly string[] = BOTH_SCOPES): ToolContext {
  return { services, actor, scopes, runtime: { startedAtMs: Date.now(), store: "memory", schedulerRunning: false, hostsOnline: () => 0, hostsConnectedHere: () => 0 }, callId: "test", hosts };
}

function manualClock() {
  let nowMs = 1_000_000;
  return { now: () => nowMs, advanceSeconds: (seconds: number) => void (nowMs += seconds * 1000) };
}

interface Harness {
  /** Calls `name` through the cache as `actor`; the tools really run only on a miss. */
  call(name: string, args: unknown, actor?: Actor, scopes?: readonly string[]): Promise<CallToolResult>;
  /** The names of the tools that really ran, in order. */
  runs: string[];
  store: Store;
}

function harness(config: Partial<CacheConfig> = {}, store: Store = createMemoryStore({ maxEntries: 1000 })): Harness {
  const runs: string[] = [];
  const countingRun: ToolCallHandler = (call) => {
    runs.push(call.tool.name);
    return runToolCall(call);
  };
  const layer = responseCacheLayer({ config: { ...defaultConfig(false).MCP_CACHE_CONFIG, enabled: true, call_tool_ttl: TTL_SECONDS, ...config }, store });
  const handler = composeLayers([layer], countingRun);
  return {
    call: (name, args, actor = team.member, scopes = BOTH_SCOPES) => handler({ tool: toolNamed(name), arguments: args, context: contextFor(actor, scopes) }),
    runs,
    store,
  };
}

const titlesOf = (result: CallToolResult) => (result.structuredContent!.result as { task: { title: string } }[]).map((row) => row.task.title);

describe("hits and misses", () => {
  test("the same call is answered from the cache, exactly as the miss answered it, without running the tool", async () => {
    const h = harness();
    const miss = await h.call("tasks_list", { limit: 10 });
    const hit = await h.call("tasks_list", { limit: 10 });
    expect(h.runs).toEqual(["tasks_list"]);
    expect(titlesOf(miss)).toContain("Cached task");
    expect(hit.content).toEqual(miss.content);
    expect(hit.structuredContent).toEqual(miss.structuredContent!);
    expect(hit.isError).toBeUndefined();
    // The hit keeps its serialized text, so the transport does not serialize it again.
    expect(serializedToolResult(hit)).toBe(miss.content[0]!.text);
  });

  test("missing arguments and {} are the same call", async () => {
    const h = harness();
    await h.call("tasks_statuses_list", undefined);
    await h.call("tasks_statuses_list", {});
    expect(h.runs).toEqual(["tasks_statuses_list"]);
  });

  test("disabled, the layer gives the handler back unchanged", () => {
    const layer = responseCacheLayer({ config: defaultConfig(false).MCP_CACHE_CONFIG, store: createMemoryStore({ maxEntries: 10 }) });
    expect(layer(runToolCall)).toBe(runToolCall);
  });
});

describe("keys: one caller never sees another's answer", () => {
  test("another user of the same organization has its own entry", async () => {
    const h = harness();
    await h.call("tasks_list", {}, team.member);
    await h.call("tasks_list", {}, team.admin);
    expect(h.runs).toEqual(["tasks_list", "tasks_list"]);
  });

  test("another organization has its own entry", async () => {
    const h = harness();
    const ours = await h.call("organization_members_list", {}, team.member);
    const theirs = await h.call("organization_members_list", {}, otherTeam.member);
    expect(h.runs).toHaveLength(2);
    expect(theirs.content[0]!.text).not.toBe(ours.content[0]!.text);
  });

  test("other scopes have their own entry; the order of the scopes does not matter", async () => {
    const h = harness();
    await h.call("tasks_list", {}, team.member, ["mcp:read"]);
    await h.call("tasks_list", {}, team.member, ["mcp:read", "mcp:write"]);
    await h.call("tasks_list", {}, team.member, ["mcp:write", "mcp:read"]);
    expect(h.runs).toHaveLength(2);
  });

  test("other arguments have their own entry; the order of their keys does not matter", async () => {
    const h = harness();
    await h.call("tasks_list", { limit: 5, offset: 0 });
    await h.call("tasks_list", { offset: 0, limit: 5 });
    await h.call("tasks_list", { limit: 6, offset: 0 });
    expect(h.runs).toHaveLength(2);
  });

  test("canonical JSON sorts keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: { d: 1, c: [2, 1] }, a: null })).toBe(canonicalJson({ a: null, b: { c: [2, 1], d: 1 } }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });
});

describe("writes invalidate the organization", () => {
  test("a task created with tasks_create shows in the next tasks_list", async () => {
    const h = harness();
    const before = await h.call("tasks_list", { limit: 500 });
    const created = await h.call("tasks_create", { title: "Written after the read" });
    expect(created.isError).toBeUndefined();
    const after = await h.call("tasks_list", { limit: 500 });
    expect(titlesOf(before)).not.toContain("Written after the read");
    expect(titlesOf(after)).toContain("Written after the read");
    expect(h.runs).toEqual(["tasks_list", "tasks_create", "tasks_list"]);
  });

  test("a write that fails still invalidates, and another organization keeps its entries", async () => {
    const h = harness();
    await h.call("tasks_list", {});
    await h.call("tasks_list", {}, otherTeam.member);
    const failed = await h.call("tasks_update", { idOrSlug: "no-such-task", title: "x" });
    expect(failed.isError).toBe(true);
    await h.call("tasks_list", {});
    await h.call("tasks_list", {}, otherTeam.member);
    expect(h.runs).toEqual(["tasks_list", "tasks_list", "tasks_update", "tasks_list"]);
  });

  test("invalidateOrganization, for writers outside tool calls, makes the next read run the tool", async () => {
    const h = harness();
    await h.call("tasks_list", {});
    await invalidateOrganization(h.store, team.organization.id);
    await h.call("tasks_list", {});
    expect(h.runs).toEqual(["tasks_list", "tasks_list"]);
  });

  test("a generation lost to expiry or eviction cannot lead back to an entry cached before a write", async () => {
    const h = harness();
    const before = await h.call("tasks_list", { limit: 500 });
    await h.call("tasks_create", { title: "Written before the generation was lost" });
    // The key layout is internal; deleting the generation stands for its expiry or eviction.
    await h.store.delete(`cache:generation:${team.organization.id}`);
    const after = await h.call("tasks_list", { limit: 500 });
    expect(titlesOf(before)).not.toContain("Written before the generation was lost");
    expect(titlesOf(after)).toContain("Written before the generation was lost");
  });
});

describe("what is never cached", () => {
  test("a tool that is not read-only runs every time", async () => {
    const h = harness();
    await h.call("tasks_create", { title: "Twice" });
    await h.call("tasks_create", { title: "Twice" });
    expect(h.runs).toEqual(["tasks_create", "tasks_create"]);
  });

  test("health_check is marked cacheable: false and runs every time", async () => {
    const h = harness({});
    await h.call("health_check", {});
    await h.call("health_check", {});
    expect(h.runs).toEqual(["health_check", "health_check"]);
  });

  test("a tool in excluded_tools runs every time", async () => {
    const h = harness({ excluded_tools: ["tasks_list"] });
    await h.call("tasks_list", {});
    await h.call("tasks_list", {});
    await h.call("tasks_statuses_list", {});
    await h.call("tasks_statuses_list", {});
    expect(h.runs).toEqual(["tasks_list", "tasks_list", "tasks_statuses_list"]);
  });

  test("an isError answer is not cached", async () => {
    const h = harness();
    const refused = await h.call("tasks_list", { limit: 0 });
    expect(refused.isError).toBe(true);
    await h.call("tasks_list", { limit: 0 });
    expect(h.runs).toEqual(["tasks_list", "tasks_list"]);
  });

  test("an answer over max_item_size bytes is not stored; one of exactly that size is", async () => {
    const size = Buffer.byteLength((await harness().call("tasks_statuses_list", {})).content[0]!.text, "utf8");
    const tooSmall = harness({ max_item_size: size - 1 });
    await tooSmall.call("tasks_statuses_list", {});
    await tooSmall.call("tasks_statuses_list", {});
    expect(tooSmall.runs).toHaveLength(2);
    const justRight = harness({ max_item_size: size });
    await justRight.call("tasks_statuses_list", {});
    await justRight.call("tasks_statuses_list", {});
    expect(justRight.runs).toHaveLength(1);
  });
});

describe("lifetime", () => {
  test("an entry expires after call_tool_ttl seconds", async () => {
    const clock = manualClock();
    const h = harness({}, createMemoryStore({ maxEntries: 100, now: clock.now }));
    await h.call("tasks_list", {});
    clock.advanceSeconds(TTL_SECONDS - 1);
    await h.call("tasks_list", {});
    expect(h.runs).toHaveLength(1);
    clock.advanceSeconds(1);
    await h.call("tasks_list", {});
    expect(h.runs).toHaveLength(2);
  });

  test("a bounded store drops the least recently used entry; the others still hit", async () => {
    // The organization's generation and two entries.
    const h = harness({}, createMemoryStore({ maxEntries: 3 }));
    await h.call("tasks_list", { limit: 1 });
    await h.call("tasks_list", { limit: 2 });
    await h.call("tasks_list", { limit: 3 });
    expect(h.runs).toHaveLength(3);
    await h.call("tasks_list", { limit: 3 });
    await h.call("tasks_list", { limit: 2 });
    expect(h.runs).toHaveLength(3);
    await h.call("tasks_list", { limit: 1 });
    expect(h.runs).toHaveLength(4);
  });
});
