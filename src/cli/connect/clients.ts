/**
 * The seven clients `superset connect` configures: where each keeps its MCP servers (its own
 * file, per scope and per OS), in which format, and the entry it reads for a remote server with
 * OAuth or an API key, as each client's documentation describes it.
 */
import { homedir } from "node:os";
import { join } from "node:path";

export type Scope = "user" | "project";
export type ClientFormat = "json" | "toml";

/** How the client authenticates to the server. */
export type Auth = { kind: "url-only" } | { kind: "oauth" } | { kind: "api-key"; key: string };

export interface Connection {
  name: string;
  url: string;
  auth: Auth;
}

/** Where files go: the caller's home, environment and platform, and the project folder. */
export interface Surroundings {
  home: string;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  projectDir: string;
}

export interface ClientTarget {
  id: string;
  label: string;
  format: ClientFormat;
  /** The file of each scope the client has. */
  files: Partial<Record<Scope, (around: Surroundings) => string>>;
  /** The keys leading to the record of servers by name, e.g. ["mcpServers"]. */
  serversKey: string;
  /** Keys a new file starts with (opencode's $schema). */
  newFile?: Record<string, unknown>;
  entry(connection: Connection): Record<string, unknown>;
  /** What the user does next in the client, one line each. */
  nextSteps(connection: Connection, scope: Scope): string[];
}

const bearer = (auth: Auth) => (auth.kind === "api-key" ? `Bearer ${auth.key}` : null);
const withHeaders = (entry: Record<string, unknown>, auth: Auth, key = "headers") => {
  const value = bearer(auth);
  return value ? { ...entry, [key]: { Authorization: value } } : entry;
};
const xdgConfig = ({ env, home }: Surroundings) => env.XDG_CONFIG_HOME || join(home, ".config");
const signInLater = (connection: Connection, how: string) =>
  connection.auth.kind === "api-key" ? [] : [`${connection.auth.kind === "oauth" ? "Sign in" : "If the server has sign-in on, sign in"}: ${how}`];

/** Claude Desktop's config file per OS (its documentation). */
export function claudeDesktopConfigPath({ platform, env, home }: Surroundings): string {
  if (platform === "darwin") return join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json");
  if (platform === "win32") return join(env.APPDATA || join(home, "AppData", "Roaming"), "Claude", "claude_desktop_config.json");
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "Claude", "claude_desktop_config.json");
}

export const CLIENTS: readonly ClientTarget[] = [
  {
    id: "claude-code",
    label: "Claude Code",
    format: "json",
    // User scope lives in ~/.claude.json beside Claude Code's own state; project scope is the shared .mcp.json.
    files: { user: ({ home }) => join(home, ".claude.json"), project: ({ projectDir }) => join(projectDir, ".mcp.json") },
    serversKey: "mcpServers",
    entry: ({ url, auth }) => withHeaders({ type: "http", url }, auth),
    nextSteps: (c, scope) => [
      ...(scope === "project" ? [`Run claude in this folder once and approve ${c.name}: Claude Code asks before it uses the servers of a project's .mcp.json.`] : []),
      `Check it: claude mcp list (shows ${c.name} as connected${c.auth.kind === "api-key" ? "" : " or needing authentication"})`,
      ...signInLater(c, `run /mcp inside Claude Code and choose ${c.name}`),
    ],
  },
  {
    id: "claude-desktop",
    label: "Claude Desktop",
    format: "json",
    files: { user: claudeDesktopConfigPath },
    serversKey: "mcpServers",
    // Claude Desktop sends no custom headers itself: a key goes through the mcp-remote bridge.
    entry: ({ url, auth }) => (auth.kind === "api-key" ? { command: "npx", args: ["-y", "mcp-remote", url, "--header", `Authorization: Bearer ${auth.key}`] } : { type: "http", url }),
    nextSteps: (c) => ["Quit Claude Desktop fully and start it again: it reads the file at start.", ...signInLater(c, "Claude Desktop opens the browser on the first connection")],
  },
  {
    id: "cursor",
    label: "Cursor",
    format: "json",
    files: { user: ({ home }) => join(home, ".cursor", "mcp.json"), project: ({ projectDir }) => join(projectDir, ".cursor", "mcp.json") },
    serversKey: "mcpServers",
    entry: ({ url, auth }) => withHeaders({ url }, auth),
    nextSteps: (c) => [`Open Cursor Settings → MCP: ${c.name} is listed there.`, ...signInLater(c, `click "Needs login" beside ${c.name} in Cursor Settings → MCP`)],
  },
  {
    id: "codex",
    label: "Codex",
    format: "toml",
    files: { user: ({ env, home }) => join(env.CODEX_HOME || join(home, ".codex"), "config.toml"), project: ({ projectDir }) => join(projectDir, ".codex", "config.toml") },
    serversKey: "mcp_servers",
    entry: ({ url, auth }) => withHeaders({ url }, auth, "http_headers"),
    nextSteps: (c, scope) => [
      ...(scope === "project" ? ["Codex reads .codex/config.toml only in a trusted project: trust this folder when Codex asks."] : []),
      `Check it: codex mcp list`,
      ...signInLater(c, `codex mcp login ${c.name}`),
    ],
  },
  {
    id: "gemini",
    label: "Gemini CLI",
    format: "json",
    files: { user: ({ home }) => join(home, ".gemini", "settings.json"), project: ({ projectDir }) => join(projectDir, ".gemini", "settings.json") },
    serversKey: "mcpServers",
    // httpUrl is Gemini's Streamable HTTP (url would be SSE); oauth.enabled makes it sign in on the first 401.
    entry: ({ url, auth }) => withHeaders(auth.kind === "oauth" ? { httpUrl: url, oauth: { enabled: true } } : { httpUrl: url }, auth),
    nextSteps: (c, scope) => [
      ...(scope === "project" ? ["Gemini CLI starts MCP servers only in a trusted folder: trust this folder when Gemini asks."] : []),
      `Check it: gemini mcp list`,
      ...signInLater(c, `start gemini and run /mcp auth ${c.name} inside it; the browser opens, and Gemini keeps the token`),
    ],
  },
  {
    id: "opencode",
    label: "opencode",
    format: "json",
    files: { user: (around) => join(xdgConfig(around), "opencode", "opencode.json"), project: ({ projectDir }) => join(projectDir, "opencode.json") },
    serversKey: "mcp",
    newFile: { $schema: "https://opencode.ai/config.json" },
    entry: ({ url, auth }) => withHeaders({ type: "remote", url, enabled: true }, auth),
    nextSteps: (c) => [`Check it: opencode mcp list`, ...signInLater(c, `opencode mcp auth ${c.name}`)],
  },
  {
    id: "amp",
    label: "Amp",
    format: "json",
    files: {
      user: (around) => join(around.platform === "win32" ? around.env.APPDATA || join(around.home, "AppData", "Roaming") : xdgConfig(around), "amp", "settings.json"),
      project: ({ projectDir }) => join(projectDir, ".amp", "settings.json"),
    },
    serversKey: "amp.mcpServers",
    entry: ({ url, auth }) => withHeaders({ url }, auth),
    nextSteps: (c) => [`Check it: amp mcp list`, ...signInLater(c, "Amp opens the browser on the first connection")],
  },
];

/** The surroundings of this process. */
export function currentSurroundings(projectDir: string): Surroundings {
  return { home: process.env.HOME || homedir(), env: process.env, platform: process.platform, projectDir };
}
