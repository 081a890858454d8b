/**
 * One snapshot file per tool: `tests/tools/snapshots/<tool>.json` holds the tool's descriptor as
 * tools/list shows it (description, annotations, input and output JSON Schemas), keys sorted, so a
 * changed interface shows in the diff under the tool's own name. To accept a change, run
 *
 *   UPDATE_TOOL_SNAPSHOTS=1 node_modules/.bin/bun test tests/tools/snapshots.test.ts
 *
 * and review the files it wrote; without the variable a missing, changed or stale file fails.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ToolDescriptor } from "../../src/mcp/tool-calls.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";
import { call, createTestApp, initialize } from "../helpers/app.ts";

const SNAPSHOT_DIR = join(import.meta.dir, "snapshots");
const UPDATING = process.env.UPDATE_TOOL_SNAPSHOTS === "1";
const HOW_TO_UPDATE = "if the change is meant, run UPDATE_TOOL_SNAPSHOTS=1 node_modules/.bin/bun test tests/tools/snapshots.test.ts and review the diff";

/** `value` with every object's keys sorted, so the file does not change when only the order of declaration does. */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

/** The text of one tool's snapshot file. */
export function snapshotText(descriptor: ToolDescriptor): string {
  return `${JSON.stringify(sortedKeys(descriptor), null, 2)}\n`;
}

const snapshotPath = (name: string) => join(SNAPSHOT_DIR, `${name}.json`);

let listed: ToolDescriptor[];

beforeAll(async () => {
  const t = await createTestApp();
  const sessionId = await initialize(t.app);
  listed = (await call<{ tools: ToolDescriptor[] }>(t.app, "tools/list", undefined, sessionId)).result!.tools;
  if (UPDATING) mkdirSync(SNAPSHOT_DIR, { recursive: true });
});

describe("tool snapshots", () => {
  test("tools/list lists every tool, so every tool has a snapshot to match", () => {
    expect(listed.map((tool) => tool.name)).toEqual(ALL_TOOLS.map((tool) => tool.name));
  });

  test.each(ALL_TOOLS.map((tool) => [tool.name] as const))("%s matches tests/tools/snapshots/%s.json", (name) => {
    const actual = snapshotText(listed.find((tool) => tool.name === name)!);
    const path = snapshotPath(name);
    if (UPDATING) writeFileSync(path, actual);
    if (!existsSync(path)) throw new Error(`${path} is missing: ${HOW_TO_UPDATE}.`);
    expect(actual, `${name}'s descriptor differs from its snapshot: ${HOW_TO_UPDATE}`).toBe(readFileSync(path, "utf8"));
  });

  test("no snapshot is left for a tool that is gone", () => {
    const names = new Set(ALL_TOOLS.map((tool) => `${tool.name}.json`));
    const stale = existsSync(SNAPSHOT_DIR) ? readdirSync(SNAPSHOT_DIR).filter((file) => !names.has(file)) : [];
    if (UPDATING) for (const file of stale) rmSync(join(SNAPSHOT_DIR, file));
    else expect(stale, `snapshot files of no tool: remove them, or ${HOW_TO_UPDATE}`).toEqual([]);
  });
});

describe("snapshot text", () => {
  test("sorts keys at every depth and keeps array order", () => {
    expect(JSON.stringify(sortedKeys({ b: 1, a: { d: [{ z: 1, y: 2 }, 3], c: null } }))).toBe('{"a":{"c":null,"d":[{"y":2,"z":1},3]},"b":1}');
  });
});
