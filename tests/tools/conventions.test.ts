/**
 * The conventions of docs/tools.md#conventions (as the catalog spec/tools.md states them), checked on every tool of ALL_TOOLS (none is named here except to
 * give the arguments that make it succeed): metadata, schemas against the hosted server's
 * (spec/hosted-tools.json), registration order, refusals, results, and no writes by read-only tools.
 * Each descriptor is also kept in a file of its own, compared by snapshots.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client.ts";
import { describeTool, type ToolDescriptor } from "../../src/mcp/tool-calls.ts";
import { DEFAULT_STATUSES } from "../../src/services/statuses.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";
import { BUILTIN_AGENT_PRESETS } from "../../src/config/defaults.ts";
import { call, callTool, createTestApp, DEV_USERNAME, initialize, toolResult, type TestApp, type ToolResult } from "../helpers/app.ts";
import { inProcessAgent, listeningApp, registerHost, tempDataDir } from "../helpers/hosts.ts";
import { sampleArguments, sampleValue, type JsonSchema } from "../helpers/schema-samples.ts";
import { expectWellFormedResult } from "../helpers/tool-results.ts";
import { eventually } from "../helpers/eventually.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

// Copies of the product's tool catalog and the hosted server's schemas, kept beside this file so the suite needs nothing else.
const SPEC_DIR = `${import.meta.dir}/spec`;
const hosted = JSON.parse(readFileSync(`${SPEC_DIR}/hosted-tools.json`, "utf8")).tools as { name: string; annotations: Record<string, boolean>; inputSchema: JsonSchema }[];

/** The catalog rows of spec/tools.md in file order: the name, the annotations cell and the parameters cell. */
const catalog = readFileSync(`${SPEC_DIR}/tools.md`, "utf8")
  .split("\n")
  .filter((line) => /^\| `[a-z_]+` \|/.test(line))
  .map((line) => {
    const cells = line.split(/(?<!\\)\|/).map((cell) => cell.trim());
    return { name: cells[1]!.replaceAll("`", ""), annotations: cells[2]!, parameters: cells[3]! };
  });
const catalogRow = (name: string) => catalog.find((row) => row.name === name)!;

/** A type signature to compare schemas by: JSON types, formats, enums and item types; anyOf as a set. */
function signature(schema: JsonSchema): string {
  if (schema.anyOf) return (schema.anyOf as JsonSchema[]).map(signature).sort().join(" | ");
  let text = String(schema.type ?? "any");
  if (schema.format) text += `(${schema.format})`;
  if (schema.enum) text += `[${(schema.enum as unknown[]).join(",")}]`;
  if (schema.type === "array") text += `<${signature(schema.items ?? {})}>`;
  return text;
}

let t: TestApp;
let sessionId: string;
let listed: ToolDescriptor[];
const byName = (name: string) => listed.find((tool) => tool.name === name)!;

beforeAll(async () => {
  t = await createTestApp();
  sessionId = await initialize(t.app);
  listed = (await call<{ tools: ToolDescriptor[] }>(t.app, "tools/list", undefined, sessionId)).result!.tools;
});

describe("every tool", () => {
  test("is listed, once, in registration order", () => {
    expect(listed.map((tool) => tool.name)).toEqual(ALL_TOOLS.map((tool) => tool.name));
    expect(new Set(listed.map((tool) => tool.name)).size).toBe(listed.length);
  });

  test("is in the spec/tools.md catalog, and registration follows its order", () => {
    const names = ALL_TOOLS.map((tool) => tool.name);
    expect(names.filter((name) => !catalogRow(name))).toEqual([]);
    expect(names).toEqual(catalog.map((row) => row.name).filter((name) => names.includes(name)));
  });

  test.each(ALL_TOOLS.map((tool) => [tool.name, tool] as const))("%s has a description, explicit hints and a scope that follows readOnlyHint", (_name, tool) => {
    expect(tool.description.trim().length).toBeGreaterThan(20);
    expect(typeof tool.annotations.readOnlyHint).toBe("boolean");
    expect(tool.scope).toBe(tool.annotations.readOnlyHint ? "mcp:read" : "mcp:write");
    if (tool.annotations.readOnlyHint) expect(tool.annotations.destructiveHint).not.toBe(true);
    const shown = byName(tool.name);
    expect(shown.description).toBe(tool.description);
    expect(shown.annotations).toEqual(tool.annotations);
  });

  test.each(ALL_TOOLS.map((tool) => [tool.name] as const))("%s has annotations as spec/tools.md lists them", (name) => {
    const cell = catalogRow(name).annotations;
    const { readOnlyHint, destructiveHint, idempotentHint } = byName(name).annotations;
    expect(readOnlyHint).toBe(cell === "read-only");
    if (cell.startsWith("destructive")) expect(destructiveHint).toBe(true);
    if (cell.startsWith("not destructive")) expect(destructiveHint).toBe(false);
    if (cell.includes("idempotent")) expect(idempotentHint).toBe(true);
  });

  test.each(ALL_TOOLS.map((tool) => [tool.name] as const))("%s has strict object schemas whose keys spec/tools.md (or the hosted server) documents", (name) => {
    const { inputSchema, outputSchema } = byName(name);
    expect(inputSchema.type).toBe("object");
    expect(inputSchema.additionalProperties).toBe(false);
    expect(outputSchema.type).toBe("object");
    const parameters = catalogRow(name).parameters;
    // spec/tools.md defers to spec/hosted-tools.json for names: agents_create's attachmentIds is only there.
    const hostedKeys = Object.keys(hosted.find((tool) => tool.name === name)?.inputSchema.properties ?? {});
    for (const key of Object.keys(inputSchema.properties as object)) if (!hostedKeys.includes(key)) expect(parameters).toContain(`\`${key}\``);
    const requiredInCatalog = [...parameters.matchAll(/`(\w+)` R\b/g)].map((match) => match[1]!);
    expect([...((inputSchema.required as string[]) ?? [])].sort()).toEqual(requiredInCatalog.sort());
  });
});

describe("compatibility with the hosted server", () => {
  const shared = hosted.filter((tool) => ALL_TOOLS.some((ours) => ours.name === tool.name));

  test("the hosted tools we have are the task and organization tools at least", () => {
    expect(shared.map((tool) => tool.name)).toEqual(expect.arrayContaining(["tasks_list", "tasks_create", "organization_members_list"]));
  });

  test.each(shared.map((tool) => [tool.name, tool] as const))("%s takes the hosted parameter names, types and required set", (name, theirs) => {
    const ours = byName(name).inputSchema as JsonSchema;
    expect([...(ours.required ?? [])].sort()).toEqual([...(theirs.inputSchema.required ?? [])].sort());
    for (const [key, property] of Object.entries(theirs.inputSchema.properties as Record<string, JsonSchema>)) {
      expect(ours.properties[key], `${name}.${key}`).toBeDefined();
      expect(`${key}: ${signature(ours.properties[key])}`).toBe(`${key}: ${signature(property)}`);
      if (property.default !== undefined) expect(ours.properties[key].default).toEqual(property.default);
    }
  });

  test.each(shared.map((tool) => [tool.name, tool] as const))("%s sets the hints the hosted server sets", (name, theirs) => {
    const ours: Record<string, unknown> = { ...byName(name).annotations };
    for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint"]) {
      if (theirs.annotations[hint] !== undefined) expect(`${hint}=${ours[hint]}`).toBe(`${hint}=${theirs.annotations[hint]}`);
    }
    // MCP's default for an unset readOnlyHint is false.
    expect(ours.readOnlyHint).toBe(theirs.annotations.readOnlyHint ?? false);
  });
});

describe("calls", () => {
  test.each(ALL_TOOLS.map((tool) => [tool.name] as const))("%s refuses an unknown key, naming the allowed keys", async (name) => {
    const result = (await callTool(t.app, name, { ...sampleArguments(byName(name).inputSchema, false), notAParameter: 1 }, sessionId)).result!;
    expectWellFormedResult(name, result);
    expect(result.isError).toBe(true);
    const allowed = Object.keys(byName(name).inputSchema.properties as object);
    expect(result.content[0]!.text).toBe(`Invalid arguments for ${name}: unknown key "notAParameter" (allowed keys: ${allowed.join(", ") || "none"}).`);
  });

  const requiredKeys = ALL_TOOLS.map((tool) => [tool.name, (describeTool(tool).inputSchema.required ?? []) as string[]] as const);
  test.each(requiredKeys.filter(([, required]) => required.length > 0))("%s names each missing required key as required, not as unknown", async (name, required) => {
    const result = (await callTool(t.app, name, {}, sessionId)).result!;
    expectWellFormedResult(name, result);
    expect(result.content[0]!.text).toBe(`Invalid arguments for ${name}: ${required.map((key) => `${key}: required`).join("; ")}.`);
  });

  test("every tool succeeds at least once, and every success is well formed", async () => {
    // Host tools need a connected host, so this test runs on its own listening server.
    const host = await connectedHost();
    const task = await host.server.services.tasks.create(await devActor(host.server), { title: "Conventions fixture" });
    // Arguments for the tools whose generated ones cannot succeed; the rest use sampleArguments.
    const examples: Record<string, Record<string, unknown>> = {
      tasks_get: { idOrSlug: task.slug },
      tasks_update: { id: task.id, title: "Renamed fixture", description: null, labels: ["x"] },
      tasks_delete: { id: task.id },
      ...host.examples,
    };
    const failures: string[] = [];
    for (const tool of ALL_TOOLS) {
      const args = examples[tool.name] ?? sampleArguments(byName(tool.name).inputSchema, false);
      const result = (await callTool(host.server.app, tool.name, args, host.session)).result!;
      expectWellFormedResult(tool.name, result);
      if (result.isError) failures.push(`${tool.name}: ${result.content[0]!.text} (give it arguments in examples)`);
    }
    await host.stop();
    expect(failures).toEqual([]);
  });
});

describe("read-only tools do not write", () => {
  const readOnly = ALL_TOOLS.filter((tool) => tool.annotations.readOnlyHint);

  /** Every row of every table (FTS shadow tables included), each table's rows sorted. */
  function dump(db: Database): Record<string, string[]> {
    const tables = db.orm.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`);
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        db.orm
          .all(sql.raw(`SELECT * FROM "${name.replaceAll('"', '""')}"`))
          .map((row) => JSON.stringify(row))
          .sort(),
      ]),
    );
  }

  async function callEveryReadOnlyTool(own: TestApp, session: string): Promise<ToolResult[]> {
    const results: ToolResult[] = [];
    for (const tool of readOnly) {
      for (const full of [false, true]) results.push((await callTool(own.app, tool.name, sampleArguments(byName(tool.name).inputSchema, full), session)).result!);
    }
    return results;
  }

  test("with data present, no table changes", async () => {
    const own = await createTestApp();
    const session = await initialize(own.app);
    await callTool(own.app, "tasks_create", { title: "Existing task", description: "sample text", labels: ["sample"] }, session);
    const before = dump(own.db);
    expect(before.tasks).toHaveLength(1);
    const results = await callEveryReadOnlyTool(own, session);
    results.forEach((result, index) => expectWellFormedResult(readOnly[Math.floor(index / 2)]!.name, result));
    expect(dump(own.db)).toEqual(before);
  });

  test("in a fresh organization, the only write is seeding the default statuses (docs/tools.md#statuses)", async () => {
    const own = await createTestApp();
    const session = await initialize(own.app);
    const before = dump(own.db);
    await callEveryReadOnlyTool(own, session);
    const after = dump(own.db);
    const changed = Object.keys(after).filter((name) => JSON.stringify(after[name]) !== JSON.stringify(before[name]));
    expect(changed.filter((name) => name !== "task_statuses")).toEqual([]);
    const names = (after.task_statuses ?? []).map((row) => (JSON.parse(row) as { name: string }).name).sort();
    expect(names).toEqual(DEFAULT_STATUSES.map((status) => status.name).sort());
  });
});

/** A host of the dev user, connected from this process, with a project, two workspaces and a terminal to point the host tools at. */
async function connectedHost() {
  const server = await listeningApp({
    AGENT_PRESETS: { ...BUILTIN_AGENT_PRESETS, echo: { label: "Echo", command: "echo", args: [], promptTransport: "argv", promptArgs: [], resumeArgs: [], env: {} } },
  });
  const session = await initialize(server.app);
  const agent = inProcessAgent({ baseUrl: server.baseUrl, token: await registerHost(server.services, await devActor(server)) });
  await eventually("the host agent to connect", () => agent.isConnected());
  const hostId = agent.hostId;
  const make = async (name: string, args: Record<string, unknown>) => {
    const result = await toolResult(server.app, name, { hostId, ...args }, session);
    if (result.isError) throw new Error(`${name}: ${result.content[0]!.text}`);
    return result.structuredContent as Record<string, unknown>;
  };
  const project = await make("projects_create", { localPath: tempDataDir("conventions-repo-"), initIfNeeded: true });
  const projectId = (project.project as { id: string }).id;
  const kept = (await make("workspaces_create", { projectId, name: "kept", branch: "kept" })).workspace as { id: string };
  const doomed = (await make("workspaces_create", { projectId, name: "doomed", branch: "doomed" })).workspace as { id: string };
  const { terminalId } = await make("terminals_create", { workspaceId: kept.id });
  const terminal = { hostId, workspaceId: kept.id, terminalId };
  const owner = await devActor(server);
  const automation = (name: string) =>
    server.services.automations.create(
      owner,
      { name, prompt: "Say hello.", agent: "echo", rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", timezone: "UTC", targetHostId: hostId },
      server.hosts.presets.map((preset) => preset.id),
    );
  const { id } = await automation("Conventions automation");
  const doomedAutomation = await automation("Doomed automation");
  return {
    server,
    session,
    examples: {
      workspaces_list: { hostId },
      workspaces_create: { hostId, projectId, name: "fresh", branch: "fresh" },
      workspaces_update: { hostId, id: kept.id, name: "kept and renamed" },
      workspaces_delete: { hostId, id: doomed.id },
      workspaces_mcp_config_list: { hostId, workspaceId: kept.id },
      projects_list: { hostId },
      projects_create: { hostId, localPath: tempDataDir("conventions-other-"), initIfNeeded: true },
      agents_list: { hostId },
      agents_create: { hostId, workspaceId: kept.id, agent: "echo", prompt: "hello" },
      terminals_create: { hostId, workspaceId: kept.id, command: "echo hi" },
      terminals_list: { hostId, workspaceId: kept.id },
      terminals_send: { ...terminal, text: "echo sent" },
      terminals_read: terminal,
      terminals_close: terminal,
      automations_get: { id },
      automations_get_prompt: { id },
      automations_update: { id, name: "Conventions automation, renamed" },
      automations_set_prompt: { id, prompt: "Say hello again." },
      automations_delete: { id: doomedAutomation.id },
      automations_pause: { id },
      automations_resume: { id },
      automations_run: { id },
      automations_logs: { automationId: id },
    } as Record<string, Record<string, unknown>>,
    async stop() {
      await agent.stop();
      await server.stop();
    },
  };
}

async function devActor(own: TestApp) {
  const actor = await own.services.accounts.resolveActor(DEV_USERNAME);
  if ("refused" in actor) throw new Error(actor.refused);
  return actor;
}
