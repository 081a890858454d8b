/**
 * The result conventions of docs/tools.md#conventions, checked on any tools/call answer: a success carries
 * structuredContent that validates against the tool's valibot output schema (with no undeclared
 * keys) and against the outputSchema tools/list advertises, and its text is the same value as
 * compact JSON; an error is one text sentence with no structuredContent and no stack trace.
 */
import { expect } from "bun:test";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import * as v from "valibot";
import { describeTool } from "../../src/mcp/tool-calls.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";
import type { ToolResult } from "./app.ts";

const validator = new AjvJsonSchemaValidator();
const advertised = new Map(ALL_TOOLS.map((tool) => [tool.name, validator.getValidator(describeTool(tool).outputSchema as never)]));

export function expectWellFormedResult(toolName: string, result: ToolResult): void {
  const tool = ALL_TOOLS.find((candidate) => candidate.name === toolName);
  if (!tool) throw new Error(`No tool named ${toolName}.`);
  expect(result.content).toHaveLength(1);
  expect(result.content[0]!.type).toBe("text");
  if (result.isError) {
    expect(result.structuredContent).toBeUndefined();
    expect(result.content[0]!.text).not.toMatch(/\n\s+at |Error:|\.ts:\d+/);
    return;
  }
  expect(result.isError).toBeUndefined();
  const value = result.structuredContent;
  expect(result.content[0]!.text).toBe(JSON.stringify(value));
  const parsed = v.safeParse(tool.output, value);
  if (!parsed.success) throw new Error(`${toolName} output does not match its schema: ${v.summarize(parsed.issues)}`);
  // v.object drops keys it does not declare, so equality means the result has none.
  expect(parsed.output).toEqual(value as never);
  const checked = advertised.get(toolName)!(value);
  if (!checked.valid) throw new Error(`${toolName} output does not match its advertised outputSchema: ${checked.errorMessage}`);
}
