import { expect, test } from "bun:test";
import * as sdk from "@modelcontextprotocol/sdk/types.js";
import { ErrorCode, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "../../src/mcp/protocol.ts";

test("the protocol constants equal the SDK's", () => {
  expect(LATEST_PROTOCOL_VERSION).toBe(sdk.LATEST_PROTOCOL_VERSION);
  expect(SUPPORTED_PROTOCOL_VERSIONS).toEqual(sdk.SUPPORTED_PROTOCOL_VERSIONS);
  for (const [name, code] of Object.entries(ErrorCode)) expect<number>(code).toBe(sdk.ErrorCode[name as keyof typeof sdk.ErrorCode]);
});
