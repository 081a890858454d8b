import { apiKeyCommands } from "./api-keys.ts";
import type { Command } from "./command.ts";
import { configCommands } from "./config-check.ts";
import { connectCommands } from "./connect/index.ts";
import { dbCommands } from "./db.ts";
import { hostRunCommands } from "./host-run.ts";
import { hostCommands } from "./hosts.ts";
import { initCommands } from "./init.ts";
import { keyCommands } from "./keys.ts";
import { mcpConfigCommands } from "./mcp-config.ts";
import { mcpCommands } from "./mcp-run.ts";
import { orgCommands } from "./orgs.ts";
import { userCommands } from "./users.ts";

/** Every leaf command of `superset`, in the order `superset --help` lists them. */
export const COMMANDS: Command[] = [
  ...initCommands,
  ...mcpCommands,
  ...dbCommands,
  ...orgCommands,
  ...userCommands,
  ...apiKeyCommands,
  ...keyCommands,
  ...hostCommands,
  ...hostRunCommands,
  ...connectCommands,
  ...mcpConfigCommands,
  ...configCommands,
];
