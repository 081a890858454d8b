/**
 * Protocol constants. They mirror those of @modelcontextprotocol/sdk/types.js, which the server
 * does not import at run time: that module builds every zod schema of the protocol and costs
 * about 16 MB of resident memory for three constants. tests/mcp/protocol.test.ts keeps the two equal.
 */
import { INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR } from "@modelcontextprotocol/sdk/spec.types.js";

export const LATEST_PROTOCOL_VERSION = "2025-11-25";
export const SUPPORTED_PROTOCOL_VERSIONS = [LATEST_PROTOCOL_VERSION, "2025-06-18", "2025-03-26", "2024-11-05", "2024-10-07"];

/** JSON-RPC error codes. */
export const ErrorCode = {
  ParseError: PARSE_ERROR,
  InvalidRequest: INVALID_REQUEST,
  MethodNotFound: METHOD_NOT_FOUND,
  InvalidParams: INVALID_PARAMS,
  InternalError: INTERNAL_ERROR,
} as const;
