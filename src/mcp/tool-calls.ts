/**
 * tools/list and tools/call over the tool values of src/tools: JSON Schemas computed once,
 * arguments validated with each tool's valibot schema, results and failures shaped as tools.md
 * says (structuredContent plus the same value as compact JSON text; isError with one sentence).
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { log } from "../log.ts";
import { ServiceError } from "../services/errors.ts";
import { ECHO_MAX_LENGTH, echo } from "../tools/limits.ts";
import type { AnyTool, ToolContext } from "../tools/types.ts";

export interface ToolDescriptor {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  annotations: AnyTool["annotations"];
}

export interface CallToolResult {
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

function jsonSchemaOf(schema: v.GenericSchema): Record<string, unknown> {
  // errorMode "ignore": refinements such as v.check have no JSON Schema form and stay server-side.
  const { $schema: _ignored, ...rest } = toJsonSchema(schema, { errorMode: "ignore" }) as Record<string, unknown>;
  return rest;
}

const descriptors = new WeakMap<AnyTool, ToolDescriptor>();

/** What tools/list shows for a tool, computed once per tool. */
export function describeTool(tool: AnyTool): ToolDescriptor {
  let descriptor = descriptors.get(tool);
  if (!descriptor) descriptors.set(tool, (descriptor = computeDescriptor(tool)));
  return descriptor;
}

function computeDescriptor(tool: AnyTool): ToolDescriptor {
  return {
    name: tool.name,
    title: tool.annotations.title,
    description: tool.description,
    inputSchema: jsonSchemaOf(tool.input),
    outputSchema: jsonSchemaOf(tool.output),
    annotations: tool.annotations,
  };
}

function allowedKeys(tool: AnyTool): string[] {
  const properties = (describeTool(tool).inputSchema.properties ?? {}) as Record<string, unknown>;
  return Object.keys(properties);
}

/** Problems one refusal lists; the rest are counted. */
const MAX_LISTED_PROBLEMS = 10;

/**
 * One sentence naming the path and the rule of each problem, and the allowed keys for an unknown
 * one. What the caller sent is repeated only as a short excerpt (limits.ts `echo`): valibot's own
 * messages quote the whole value received, and a refusal must stay small.
 */
export function describeInvalidArguments(tool: AnyTool, issues: v.BaseIssue<unknown>[]): string {
  const problems = issues.slice(0, MAX_LISTED_PROBLEMS).map((issue) => {
    const path = echo(v.getDotPath(issue) ?? "");
    // A strict object reports both a missing key and an unknown one as type "strict_object"; only an unknown key expects "never".
    if (issue.type === "strict_object" && issue.expected === "never" && path) return `unknown key "${path}" (allowed keys: ${allowedKeys(tool).join(", ") || "none"})`;
    if (issue.kind === "schema" && issue.input === undefined && path) return `${path}: required`;
    const message = issue.message.length > ECHO_MAX_LENGTH * 2 ? `${issue.message.slice(0, ECHO_MAX_LENGTH * 2).toWellFormed()}…` : issue.message;
    return path ? `${path}: ${message}` : message;
  });
  const more = issues.length > MAX_LISTED_PROBLEMS ? `; and ${issues.length - MAX_LISTED_PROBLEMS} more` : "";
  return `Invalid arguments for ${tool.name}: ${problems.join("; ")}${more}.`;
}

/** The compact JSON of a successful result's structuredContent, kept so the answer can reuse it. */
export const SERIALIZED = Symbol("serialized structuredContent");

/** A result as tools.md shapes it: structuredContent plus the same value as compact JSON text, or an isError sentence. */
export function textResult(value: unknown, isError = false): CallToolResult {
  if (isError) return { content: [{ type: "text", text: String(value) }], isError: true };
  const text = JSON.stringify(value);
  return Object.defineProperty({ content: [{ type: "text" as const, text }], structuredContent: value as Record<string, unknown> }, SERIALIZED, { value: text });
}

/** The serialized structuredContent of a successful tool result, or undefined for any other value. */
export function serializedToolResult(result: unknown): string | undefined {
  return typeof result === "object" && result !== null ? (result as { [SERIALIZED]?: string })[SERIALIZED] : undefined;
}

/**
 * The successful result whose structuredContent serializes to `text` (a cached answer): the same
 * text and structuredContent textResult gave, with `text` kept as its serialization.
 */
export function resultFromSerialized(text: string): CallToolResult {
  return Object.defineProperty({ content: [{ type: "text" as const, text }], structuredContent: JSON.parse(text) as Record<string, unknown> }, SERIALIZED, { value: text });
}

/** One tools/call on its way through the pipeline: the tool, its raw arguments and the caller. */
export interface ToolCall {
  tool: AnyTool;
  arguments: unknown;
  context: ToolContext;
}

/** Answers a tool call; never throws. */
export type ToolCallHandler = (call: ToolCall) => Promise<CallToolResult>;

/**
 * A step after dispatch (auth.md steps 6 and 7: size guard, cache): wraps the handler that runs
 * the tool, and may answer without it, change its answer, or record it.
 */
export type ToolCallLayer = (next: ToolCallHandler) => ToolCallHandler;

/** Runs the tool itself: the innermost handler every layer wraps. */
export const runToolCall: ToolCallHandler = (call) => callTool(call.tool, call.arguments, call.context);

/** `layers[0]` outermost: composeLayers([cache, sizeGuard], run) answers as cache(sizeGuard(run)). */
export function composeLayers(layers: readonly ToolCallLayer[], innermost: ToolCallHandler = runToolCall): ToolCallHandler {
  return layers.reduceRight((next, layer) => layer(next), innermost);
}

/** Runs one tool call; never throws: every outcome is a CallToolResult. */
export async function callTool(tool: AnyTool, rawArguments: unknown, context: ToolContext): Promise<CallToolResult> {
  const parsed = v.safeParse(tool.input, rawArguments ?? {});
  if (!parsed.success) return textResult(describeInvalidArguments(tool, parsed.issues), true);
  try {
    return textResult(await tool.handler(parsed.output, context));
  } catch (error) {
    if (error instanceof ServiceError) return textResult(error.message, true);
    log.error("tool call failed", { callId: context.callId, tool: tool.name, user: context.actor.username, error: error instanceof Error ? error.stack : String(error) });
    return textResult(`Internal error (call id ${context.callId}).`, true);
  }
}
