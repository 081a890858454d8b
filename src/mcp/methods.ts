/**
 * The JSON-RPC methods this server answers (any other gets MethodNotFound): the names alone, so
 * the metrics can bound their `method` label without importing the dispatcher and the tools behind it.
 * src/mcp/dispatch.ts has a handler for exactly these (its `satisfies` check fails otherwise).
 */
export const MCP_METHODS = ["initialize", "ping", "tools/list", "tools/call", "logging/setLevel"] as const;

export type McpMethod = (typeof MCP_METHODS)[number];
