// Type-level checks run by `tsc --noEmit`: the package export a config file imports, and what it accepts.
import { expect, test } from "bun:test";
import type { SupersetConfig } from "superset-mcp/config";

const partialDictionary = {
  MCP_SERVICE_PORT: 5008,
  MCP_JWT_SECRET: process.env.MCP_JWT_SECRET,
  MCP_JWT_AUDIENCE: ["a", "b"],
  MCP_RESPONSE_SIZE_CONFIG: { token_limit: 1000 },
  AGENT_PRESETS: { aider: { command: "aider" } },
  MCP_AUTH_FACTORY: (ctx) => new ctx.JWTVerifier({ secret: ctx.config.MCP_JWT_SECRET ?? "" }) && { verify: async () => null },
} satisfies SupersetConfig;

// @ts-expect-error unknown keys are refused by the type too
const typo: SupersetConfig = { MCP_JWT_ISSUR: "x" };
// @ts-expect-error a port is a number
const wrongType: SupersetConfig = { MCP_SERVICE_PORT: "5008" };

test("the example objects exist at run time", () => {
  expect(partialDictionary.MCP_RESPONSE_SIZE_CONFIG.token_limit).toBe(1000);
  expect([typo, wrongType]).toHaveLength(2);
});
