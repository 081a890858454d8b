/**
 * The project-level MCP config files of the clients, where each keeps its servers and how it
 * turns one off. The workspace `/mcp` listing of the desktop app reads the first three; the others are the project files of
 * the clients `superset connect` writes (their documented project scope).
 */
import { isRecord, type EntrySpelling } from "./entry.ts";

export type ConfigFormat = "json" | "toml";

export interface ConfigSource {
  /** Path relative to the folder. */
  file: string;
  client: string;
  format: ConfigFormat;
  /** The key of the record of servers, by name. */
  serversKey: string;
  spelling: EntrySpelling;
  /** Why a server is turned off in this file, or null: a flag on its entry or a list beside the servers. */
  disabled(entry: unknown, name: string, document: Record<string, unknown>): string | null;
}

const field = (entry: unknown, key: string): unknown => (isRecord(entry) ? entry[key] : undefined);

/** `"disabled": true` on the entry (Claude Code's, Cursor's and Amp's files carry it when a user turned a server off). */
const disabledFlag = (entry: unknown): string | null => (field(entry, "disabled") === true ? '"disabled": true' : null);
/** `enabled = false` (Codex, opencode). */
const enabledFalse = (entry: unknown): string | null => (field(entry, "enabled") === false ? "enabled is false" : null);

const mcpServersSpelling: EntrySpelling = { urlKeys: ["url"], headerKeys: ["headers"], envKeys: ["env"] };

export const CONFIG_SOURCES: readonly ConfigSource[] = [
  { file: ".mcp.json", client: "Claude Code", format: "json", serversKey: "mcpServers", spelling: mcpServersSpelling, disabled: disabledFlag },
  { file: ".amp/settings.json", client: "Amp", format: "json", serversKey: "amp.mcpServers", spelling: mcpServersSpelling, disabled: disabledFlag },
  { file: ".mastracode/mcp.json", client: "Mastra Code", format: "json", serversKey: "mcpServers", spelling: mcpServersSpelling, disabled: disabledFlag },
  { file: ".cursor/mcp.json", client: "Cursor", format: "json", serversKey: "mcpServers", spelling: mcpServersSpelling, disabled: disabledFlag },
  {
    file: ".gemini/settings.json",
    client: "Gemini CLI",
    format: "json",
    serversKey: "mcpServers",
    // Gemini prefers httpUrl (Streamable HTTP) over url (SSE).
    spelling: { urlKeys: ["httpUrl", "url"], headerKeys: ["headers"], envKeys: ["env"] },
    disabled(_entry, name, document) {
      const mcp = field(document, "mcp");
      const excluded = field(mcp, "excluded");
      if (Array.isArray(excluded) && excluded.includes(name)) return "listed in mcp.excluded";
      const allowed = field(mcp, "allowed");
      if (Array.isArray(allowed) && !allowed.includes(name)) return "not listed in mcp.allowed";
      return null;
    },
  },
  {
    file: "opencode.json",
    client: "opencode",
    format: "json",
    serversKey: "mcp",
    spelling: { urlKeys: ["url"], commandIsArray: true, headerKeys: ["headers"], envKeys: ["environment"] },
    disabled: enabledFalse,
  },
  {
    file: ".codex/config.toml",
    client: "Codex",
    format: "toml",
    serversKey: "mcp_servers",
    spelling: { urlKeys: ["url"], headerKeys: ["http_headers"], envHeaderKeys: ["env_http_headers"], envKeys: ["env"], bearerEnvKey: "bearer_token_env_var" },
    disabled: enabledFalse,
  },
];
