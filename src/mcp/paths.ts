/** The paths the MCP endpoint answers on: its own and the hosted service's alias. */
export const MCP_PATHS = ["/mcp", "/api/v2/agent/mcp"] as const;
