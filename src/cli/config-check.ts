/** `superset config check`: validates the configuration and prints it with secrets redacted. */
import { externalJwtAudienceNotice } from "../auth/audience.ts";
import { startupProblems, startupWarnings, usesExternalJwts } from "../config/checks.ts";
import { loadConfig, publicBaseUrl } from "../config/load.ts";
import { redactConfig } from "../config/redact.ts";
import { CONFIG_OPTION, type Command } from "./command.ts";

const configCheck: Command = {
  path: ["config", "check"],
  summary: "Validate the configuration and print it with secrets redacted",
  options: { ...CONFIG_OPTION },
  async run(args) {
    // A ConfigError propagates: main prints its one sentence and exits 1.
    const { config, path } = await loadConfig({ path: args.values.config as string | undefined });
    const problems = await startupProblems(config);
    console.log(`Config file: ${path ?? "none (defaults, environment and flags only)"}`);
    console.log(`Public URL: ${publicBaseUrl(config)}`);
    console.log(JSON.stringify(redactConfig(config), null, 2));
    for (const warning of startupWarnings(config)) console.error(`Warning: ${warning}`);
    if (usesExternalJwts(config)) {
      const notice = externalJwtAudienceNotice(config);
      console.error(`${notice.level === "warn" ? "Warning" : "Note"}: ${notice.message}`);
    }
    for (const problem of problems) console.error(`Error: ${problem}`);
    if (problems.length) {
      console.error(`The server would refuse to start: ${problems.length} problem${problems.length === 1 ? "" : "s"}.`);
      return 1;
    }
    console.error("Configuration OK.");
    return 0;
  },
};

/** The `superset config …` commands. */
export const configCommands: Command[] = [configCheck];
