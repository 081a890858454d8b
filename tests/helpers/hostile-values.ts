/**
 * Hostile arguments generated from a tool's JSON Schema (as tools/list shows it): for every
 * parameter, nested ones included, values just past each advertised bound (maxLength, maxItems,
 * maximum, minimum), NUL characters, unpaired surrogates, absurd numbers and wrong types, each set
 * into otherwise valid sample arguments. Shared by the hostile-input test and the fuzz test.
 */
import { sampleArguments, sampleValue, type JsonSchema } from "./schema-samples.ts";

export interface HostileCase {
  /** The dot path of the parameter, as refusals name it ("agents.0.prompt"). */
  path: string;
  /** What is wrong with the value, for test titles. */
  what: string;
  value: unknown;
  /** Text the refusal must contain besides the path, such as the limit. */
  mentions?: string;
}

/** The schema of a value itself: the non-null branch of a nullable anyOf. */
function unwrap(schema: JsonSchema): JsonSchema {
  if (!schema.anyOf) return schema;
  return (schema.anyOf as JsonSchema[]).find((branch) => branch.type !== "null") ?? schema;
}

/** Hostile values for one schema at `path`; arrays and objects recurse into their items and properties. */
export function hostileValues(raw: JsonSchema, path: string): HostileCase[] {
  const schema = unwrap(raw);
  const cases: HostileCase[] = [];
  if (schema.enum || schema.const !== undefined) return [{ path, what: "an unknown value", value: "not-one-of-them" }];
  switch (schema.type) {
    case "string": {
      if (typeof schema.maxLength === "number")
        cases.push({ path, what: `${schema.maxLength + 1} characters`, value: "a".repeat(schema.maxLength + 1), mentions: schema.format ? undefined : String(schema.maxLength) });
      // Far past every limit (the longest is 100,000), well under the request body cap.
      cases.push({ path, what: "300,000 characters", value: "é".repeat(300_000) });
      cases.push({ path, what: "a NUL character", value: "a\u0000b", mentions: schema.format ? undefined : "NUL" });
      cases.push({ path, what: "an unpaired surrogate", value: "a\ud800b", mentions: schema.format ? undefined : "surrogate" });
      cases.push({ path, what: "a number", value: 7 });
      cases.push({ path, what: "an object", value: { toString: "x" } });
      break;
    }
    case "integer":
    case "number": {
      if (typeof schema.maximum === "number") cases.push({ path, what: "one past the maximum", value: schema.maximum + 1, mentions: String(schema.maximum) });
      if (typeof schema.minimum === "number") cases.push({ path, what: "one below the minimum", value: schema.minimum - 1, mentions: String(schema.minimum) });
      cases.push({ path, what: "1e300", value: 1e300 }, { path, what: "-1e300", value: -1e300 }, { path, what: "a fraction", value: 1.5 }, { path, what: "a numeric string", value: "1" });
      break;
    }
    case "boolean":
      cases.push({ path, what: "a string", value: "true" }, { path, what: "a number", value: 1 });
      break;
    case "array": {
      const item = sampleValue(schema.items ?? {}, false);
      if (typeof schema.maxItems === "number")
        cases.push({ path, what: `${schema.maxItems + 1} items`, value: Array.from({ length: schema.maxItems + 1 }, () => item), mentions: String(schema.maxItems) });
      cases.push({ path, what: "a string", value: "not-an-array" });
      for (const nested of hostileValues(schema.items ?? {}, `${path}.0`)) cases.push({ ...nested, value: [nested.value] });
      break;
    }
    case "object": {
      const base = sampleArguments(schema, false);
      for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
        for (const nested of hostileValues(property, `${path}.${key}`)) cases.push({ ...nested, value: { ...base, [key]: nested.value } });
      }
      cases.push({ path, what: "an array", value: [] });
      break;
    }
  }
  return cases;
}

/** Every hostile case of a tool: each parameter's, set into the sample arguments the tool requires. */
export function hostileArguments(inputSchema: JsonSchema): { path: string; what: string; mentions?: string; arguments: Record<string, unknown> }[] {
  const base = sampleArguments(inputSchema, false);
  return Object.entries((inputSchema.properties ?? {}) as Record<string, JsonSchema>).flatMap(([key, property]) =>
    hostileValues(property, key).map((hostile) => ({ path: hostile.path, what: hostile.what, mentions: hostile.mentions, arguments: { ...base, [key]: hostile.value } })),
  );
}
