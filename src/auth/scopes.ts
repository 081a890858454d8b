/**
 * The scopes of this server (docs/authentication.md#the-request-pipeline, step 4): `mcp:read` for read-only tools,
 * `mcp:write` for the rest. API keys, built-in OAuth tokens and the dev user carry these and no
 * others, so one list serves the tools, the credentials and the consent page.
 */
export const TOOL_SCOPES = ["mcp:read", "mcp:write"] as const;
export type ToolScope = (typeof TOOL_SCOPES)[number];
