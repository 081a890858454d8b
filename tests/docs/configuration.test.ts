/**
 * docs/configuration.md stays true to src/config: its generated tables equal what
 * scripts/docs/config-reference.ts makes from the schema and the defaults now, and every
 * top-level key is also explained in the prose around them.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { configSchema } from "../../src/config/schema.ts";
import { acceptedValues, CONFIGURATION_DOC, documentedReference, generatedReference } from "../../scripts/docs/config-reference.ts";

const doc = readFileSync(CONFIGURATION_DOC, "utf8");
const reference = documentedReference(doc);

describe("docs/configuration.md", () => {
  test("has the generated tables, exactly as the schema and defaults make them (else run bun scripts/docs/config-reference.ts)", () => {
    expect(reference).not.toBeNull();
    expect(reference!).toBe(generatedReference());
  });

  test("lists every key and every dictionary sub-key of the schema", () => {
    for (const [key, schema] of Object.entries(configSchema.entries)) {
      expect(reference!).toContain(`| \`${key}\` |`);
      const entries = (schema as { entries?: Record<string, unknown> }).entries ?? {};
      for (const subKey of Object.keys(entries)) expect(reference!).toContain(`| \`${key}.${subKey}\` |`);
    }
  });

  test.each(Object.keys(configSchema.entries))("explains %s outside the generated tables", (key) => {
    expect(doc.replace(reference!, "")).toContain(`\`${key}\``);
  });
});

describe("the generator", () => {
  test("words what validation accepts from the schema's own error messages", () => {
    const entries = configSchema.entries;
    expect(acceptedValues(entries.MCP_SERVICE_PORT as never)).toBe("an integer between 1 and 65535");
    expect(acceptedValues(entries.MCP_DEV_USERNAME as never)).toBe("a non-empty string, or null");
    expect(acceptedValues(entries.MCP_JWT_ISSUER as never)).toBe("a string, a list of strings or null");
  });

  test("refuses a schema without a message instead of documenting nothing", () => {
    expect(() => acceptedValues({ type: "string" })).toThrow("has no message to document");
  });
});
