/** What reading a folder's MCP config files yields: the servers found, and the files that could not be read. */

export type ServerTransport = "local" | "remote";
export type ServerState = "enabled" | "disabled" | "invalid";

/** One server of one config file, as a workspace's `/mcp` listing shows it; secrets redacted. */
export interface ConfiguredServer {
  name: string;
  /** local: a command the client starts; remote: a URL it connects to. */
  transport: ServerTransport;
  /** The command line or the URL, secrets redacted; empty when the entry names neither. */
  target: string;
  state: ServerState;
  /** Why the entry is invalid, or why it is disabled; null when enabled. */
  reason: string | null;
  /** The file, relative to the folder read, e.g. `.cursor/mcp.json`. */
  file: string;
  /** The client that reads that file. */
  client: string;
  /** Header names and their values, redacted. */
  headers: Record<string, string>;
  /** Environment variable names and their values, redacted. */
  env: Record<string, string>;
}

/** A config file that exists but was not read, and why (unparseable, too large, a link out of the folder…). */
export interface ConfigFileProblem {
  file: string;
  client: string;
  reason: string;
}

export interface McpConfigListing {
  servers: ConfiguredServer[];
  problems: ConfigFileProblem[];
}
