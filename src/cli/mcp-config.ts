/** `superset mcp-config list [DIR]`: the MCP servers configured in a folder, as the `/mcp` chat command shows them. */
import { resolve } from "node:path";
import { McpConfigFolderError, readMcpConfig } from "../mcp-config/read.ts";
import { UsageError, type Command } from "./command.ts";
import { JSON_OPTION, printJson, printTable } from "./shared.ts";

const MAX_DIR_LENGTH = 4096;

const list: Command = {
  path: ["mcp-config", "list"],
  summary: "List the MCP servers configured in a folder (.mcp.json, .cursor/mcp.json, .codex/config.toml…), secrets redacted",
  positionals: "[DIR]",
  options: { ...JSON_OPTION },
  async run({ values, positionals }) {
    if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}": "superset mcp-config list" takes one folder.`);
    const dir = positionals[0] ?? ".";
    if (dir.length > MAX_DIR_LENGTH || dir.includes("\0")) throw new UsageError(`The folder must be a path of at most ${MAX_DIR_LENGTH} characters.`);
    let listing;
    try {
      listing = readMcpConfig(resolve(dir));
    } catch (error) {
      if (error instanceof McpConfigFolderError) throw new UsageError(error.message);
      throw error;
    }
    if (values.json) {
      printJson(listing);
    } else if (listing.servers.length === 0) {
      console.log(`No MCP servers configured in ${resolve(dir)}.`);
    } else {
      printTable(
        ["NAME", "TRANSPORT", "STATE", "FILE", "TARGET"],
        listing.servers.map((server) => [server.name, server.transport, server.reason ? `${server.state} (${server.reason})` : server.state, server.file, server.target]),
      );
    }
    for (const problem of listing.problems) console.error(`Warning: ${problem.reason}.`);
    return 0;
  },
};

/** The `superset mcp-config …` commands. */
export const mcpConfigCommands: Command[] = [list];
