/** Values generated from the tools' JSON Schemas, for tests that walk every tool. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonSchema = Record<string, any>;

/** A value valid for `schema` (the first non-null branch of an anyOf, the default or first example when there is one); `full` also fills optional keys. */
export function sampleValue(schema: JsonSchema, full = false): unknown {
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.anyOf) return sampleValue((schema.anyOf as JsonSchema[]).find((branch) => branch.type !== "null") ?? {}, full);
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  switch (schema.type) {
    case "string":
      if (schema.format === "uuid") return crypto.randomUUID();
      if (schema.format === "date-time") return "2030-01-01T09:00:00Z";
      if (schema.format === "uri") return "https://example.com/pull/1";
      return "sample";
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "boolean":
      return true;
    case "array":
      return [];
    default:
      return sampleArguments(schema, full);
  }
}

/** The arguments an object schema requires (all of its keys with `full`), each with a sample value. */
export function sampleArguments(schema: JsonSchema, full: boolean): Record<string, unknown> {
  const required = new Set<string>(schema.required ?? []);
  const entries = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).filter(([key]) => full || required.has(key));
  return Object.fromEntries(entries.map(([key, property]) => [key, sampleValue(property, full)]));
}
