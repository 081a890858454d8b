/**
 * Which protocol era one POSTed JSON-RPC message belongs to (docs/protocol.md#two-eras-on-one-url), decided once per
 * HTTP request before dispatch. A `params._meta` protocol version claim makes it modern
 * (2026-07-28, stateless) whatever its method; so does `MCP-Protocol-Version: 2026-07-28` without a
 * claim (then refused for the missing envelope). Everything else — initialize, a session's
 * requests, no header at all — is legacy and answered exactly as before.
 */
import { MODERN_PROTOCOL_VERSIONS, modernClaim } from "./envelope.ts";

export type Era = "modern" | "legacy";

/** The era of a request or notification with `params`, posted with `headers`. */
export function eraOf(headers: Headers, params: Record<string, unknown> | undefined): Era {
  if (modernClaim(params) !== undefined) return "modern";
  const header = headers.get("mcp-protocol-version")?.replace(/^[ \t]+|[ \t]+$/g, "");
  return header !== undefined && MODERN_PROTOCOL_VERSIONS.includes(header) ? "modern" : "legacy";
}
