/** `superset mcp run`: serves MCP over Streamable HTTP until interrupted. */
import { loadConfig } from "../config/load.ts";
import { configureLog } from "../log.ts";
import { startServer, StartupError } from "../server/start.ts";
import { CONFIG_OPTION, UsageError, type Command } from "./command.ts";

const mcpRun: Command = {
  path: ["mcp", "run"],
  summary: "Serve MCP at http://<host>:<port>/mcp",
  options: {
    host: { type: "string", description: "Address to bind to (default: MCP_SERVICE_HOST of the config)", valueName: "HOST" },
    port: { type: "string", description: "Port to bind to (default 5008)", valueName: "PORT" },
    debug: { type: "boolean", description: "Log debug messages" },
    ...CONFIG_OPTION,
  },
  async run({ values }) {
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port must be an integer between 0 and 65535 (got "${values.port}").`);
    const { config, baseDir } = await loadConfig({
      path: values.config as string | undefined,
      overrides: {
        ...(values.host !== undefined && { MCP_SERVICE_HOST: values.host as string }),
        ...(port !== undefined && { MCP_SERVICE_PORT: port }),
        ...(values.debug === true && { MCP_DEBUG: true }),
      },
    });
    configureLog({ format: config.LOG_FORMAT, minimum: config.MCP_DEBUG ? "debug" : "info" });
    // Signals are watched before the server starts, so one arriving during start-up still ends it cleanly.
    // `once` on purpose: a second signal during the drain meets the default action and ends the process at once.
    let stopRequested!: () => void;
    const stopSignal = new Promise<void>((resolve) => (stopRequested = resolve));
    process.once("SIGINT", () => stopRequested());
    process.once("SIGTERM", () => stopRequested());
    let server;
    try {
      server = await startServer(config, { baseDir });
    } catch (error) {
      if (error instanceof StartupError) throw new UsageError(error.message);
      throw error;
    }
    await stopSignal;
    // Non-zero when the drain ran into its deadline and cut what was left, so a supervisor sees that the stop lost work.
    const { timedOut } = await server.stop();
    return timedOut ? 1 : 0;
  },
};

export const mcpCommands: Command[] = [mcpRun];
