/**
 * Tool descriptors as modern (2026-07-28) tools/list shows them: JSON Schema 2020-12 (SEP-2106
 * reads a schema without `$schema` as 2020-12) and `hostId` marked `"x-mcp-header": "Host-Id"`
 * (SEP-2243) so a proxy can route a call to the right host from its headers. Legacy descriptors
 * (tool-calls.ts) stay as they are: hosted-tools.json pins them.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import type { AnyTool } from "../tools/types.ts";
import type { ToolDescriptor } from "./tool-calls.ts";

/** The header suffix of `hostId` (`Mcp-Param-Host-Id`). */
export const HOST_ID_HEADER = "Host-Id";
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_TYPES = new Set(["string", "integer", "boolean"]);

function jsonSchemaOf(schema: v.GenericSchema): Record<string, unknown> {
  // errorMode "ignore": refinements such as v.check have no JSON Schema form and stay server-side.
  const { $schema: _ignored, ...rest } = toJsonSchema(schema, { errorMode: "ignore", target: "draft-2020-12" }) as Record<string, unknown>;
  return rest;
}

/**
 * Marks properties with `x-mcp-header` where the rule of SEP-2243 allows it: a header token, unique
 * ignoring case, on a string, integer or boolean property reached through `properties` only.
 */
export function markHeaderProperties(inputSchema: Record<string, unknown>, marks: Readonly<Record<string, string>>): Record<string, unknown> {
  const properties = inputSchema.properties as Record<string, Record<string, unknown>> | undefined;
  if (!properties) return inputSchema;
  const used = new Set<string>();
  const marked: Record<string, Record<string, unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    const header = Object.hasOwn(marks, name) ? marks[name] : undefined;
    const fits = header !== undefined && HEADER_TOKEN.test(header) && !used.has(header.toLowerCase()) && HEADER_TYPES.has(property.type as string);
    if (fits) used.add(header.toLowerCase());
    marked[name] = fits ? { ...property, "x-mcp-header": header } : property;
  }
  return { ...inputSchema, properties: marked };
}

const descriptors = new WeakMap<AnyTool, ToolDescriptor>();

/** What modern tools/list shows for a tool, computed once per tool. */
export function describeModernTool(tool: AnyTool): ToolDescriptor {
  let descriptor = descriptors.get(tool);
  if (!descriptor) {
    descriptor = {
      name: tool.name,
      title: tool.annotations.title,
      description: tool.description,
      inputSchema: markHeaderProperties(jsonSchemaOf(tool.input), { hostId: HOST_ID_HEADER }),
      outputSchema: jsonSchemaOf(tool.output),
      annotations: tool.annotations,
    };
    descriptors.set(tool, descriptor);
  }
  return descriptor;
}
