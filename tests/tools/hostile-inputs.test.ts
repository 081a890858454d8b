/**
 * Every input bounded where it enters (limits.ts), checked on every tool from its own tools/list
 * schema, on both databases: every string parameter advertises a maxLength (or is a UUID or an
 * enum), every array a maxItems, every integer a maximum; and each value past a bound, each NUL
 * or unpaired surrogate, each absurd number or wrong type gets an isError sentence naming the
 * parameter (and the limit it passed), never "Internal error", short, and nothing is stored.
 */
import { beforeAll, expect, test } from "bun:test";
import { ensureDevUser } from "../../src/services/bootstrap.ts";
import { createServices } from "../../src/services/index.ts";
import type { ToolDescriptor } from "../../src/mcp/tool-calls.ts";
import { call, callTool, createTestApp, DEV_USERNAME, initialize, type TestApp } from "../helpers/app.ts";
import { describeEachDatabase } from "../helpers/databases.ts";
import { hostileArguments } from "../helpers/hostile-values.ts";
import { rowCounts } from "../helpers/row-counts.ts";
import type { JsonSchema } from "../helpers/schema-samples.ts";
import { expectWellFormedResult } from "../helpers/tool-results.ts";

/** A refusal repeats the caller's text only as a short excerpt. */
const MAX_REFUSAL_LENGTH = 2000;

/** Where a schema leaves a value unbounded: "path: string without maxLength", and so on. */
function unbounded(raw: JsonSchema, path: string): string[] {
  const schema = raw.anyOf ? ((raw.anyOf as JsonSchema[]).find((branch) => branch.type !== "null") ?? raw) : raw;
  if (schema.enum || schema.const !== undefined) return [];
  if (schema.type === "string") return typeof schema.maxLength === "number" || schema.format === "uuid" ? [] : [`${path}: string without maxLength`];
  if (schema.type === "integer" || schema.type === "number") return typeof schema.maximum === "number" ? [] : [`${path}: number without maximum`];
  if (schema.type === "array") return [...(typeof schema.maxItems === "number" ? [] : [`${path}: array without maxItems`]), ...unbounded(schema.items ?? {}, `${path}.0`)];
  if (schema.type === "object") return Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).flatMap(([key, property]) => unbounded(property, path ? `${path}.${key}` : key));
  return [];
}

describeEachDatabase("hostile tool arguments", (suite) => {
  let t: TestApp;
  let sessionId: string;
  let tools: ToolDescriptor[];

  beforeAll(async () => {
    await ensureDevUser(createServices(suite.db), DEV_USERNAME);
    // Hundreds of calls from one address: the rate limit is not what is tested here.
    t = await createTestApp({ MCP_RATE_LIMIT: { enabled: false, requests: 1, window_seconds: 1 } }, { db: suite.db });
    sessionId = await initialize(t.app);
    tools = (await call<{ tools: ToolDescriptor[] }>(t.app, "tools/list", undefined, sessionId)).result!.tools;
  });

  test("every parameter of every tool advertises its bound", () => {
    expect(tools.flatMap((tool) => unbounded(tool.inputSchema, "").map((problem) => `${tool.name}.${problem}`))).toEqual([]);
  });

  test("every tool refuses every hostile value with a sentence naming the parameter, and stores nothing", async () => {
    const before = await rowCounts(suite.db, suite.url);
    const failures: string[] = [];
    let cases = 0;
    for (const tool of tools) {
      for (const hostile of hostileArguments(tool.inputSchema)) {
        cases++;
        const response = await callTool(t.app, tool.name, hostile.arguments, sessionId);
        const label = `${tool.name} ${hostile.path} (${hostile.what})`;
        if (!response.result) {
          failures.push(`${label}: JSON-RPC error ${JSON.stringify(response.error)}`);
          continue;
        }
        expectWellFormedResult(tool.name, response.result);
        const text = response.result.content[0]!.text;
        if (!response.result.isError) failures.push(`${label}: accepted`);
        else if (!text.startsWith(`Invalid arguments for ${tool.name}: `) || !(text.includes(`${hostile.path}: `) || text.includes(`${hostile.path}.`)))
          failures.push(`${label}: ${text.slice(0, 300)}`);
        else if (hostile.mentions && !text.includes(hostile.mentions)) failures.push(`${label}: does not name ${hostile.mentions}: ${text.slice(0, 300)}`);
        else if (text.length > MAX_REFUSAL_LENGTH) failures.push(`${label}: a refusal of ${text.length} characters`);
      }
    }
    expect(failures).toEqual([]);
    expect(cases).toBeGreaterThan(300);
    expect(await rowCounts(suite.db, suite.url)).toEqual(before);
  }, 120_000);

  test("values at the bounds are taken and read back whole, even when every character is escaped in JSON", async () => {
    const worst = (length: number) => "\u0001".repeat(length);
    const created = await callTool(t.app, "tasks_create", { title: worst(500), description: worst(10_000), labels: Array.from({ length: 20 }, () => worst(50)) }, sessionId);
    expect(created.result!.isError).toBeUndefined();
    const id = (created.result!.structuredContent as { task: { id: string } }).task.id;
    const read = await callTool(t.app, "tasks_get", { idOrSlug: id }, sessionId);
    expect((read.result!.structuredContent as { result: { description: string } }).result.description).toBe(worst(10_000));
    const listed = await callTool(t.app, "tasks_list", { limit: 1 }, sessionId);
    expect((listed.result!.structuredContent as { result: { task: { id: string } }[] }).result.map((item) => item.task.id)).toEqual([id]);
    // Cleaned up through MCP, as a caller would: the task must be deletable.
    expect((await callTool(t.app, "tasks_delete", { id }, sessionId)).result!.isError).toBeUndefined();
  });
});
