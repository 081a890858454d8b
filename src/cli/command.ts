import { parseArgs, type ParseArgsConfig } from "node:util";

/** Options of one command, in the shape `node:util` parseArgs takes, each with a help line. */
export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string] & { description: string; valueName?: string };

/** One leaf command of the CLI (`superset users create …`). */
export interface Command {
  /** Words after `superset`, e.g. `["users", "create"]`. */
  path: string[];
  summary: string;
  /** Positional arguments shown in the usage line, e.g. `"<slug>"`. */
  positionals?: string;
  options: Record<string, OptionSpec>;
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** A failure the user can fix: printed as one sentence, exit code 1, no stack trace. */
export class UsageError extends Error {}

/** The `--config` option every command that reads the configuration takes. */
export const CONFIG_OPTION: Record<string, OptionSpec> = {
  config: { type: "string", description: "Path of the config file (else SUPERSET_CONFIG_PATH, else ./config.ts)", valueName: "PATH" },
};

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  const options = Object.fromEntries(Object.entries(command.options).map(([name, { description: _d, valueName: _v, ...spec }]) => [name, spec]));
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: command.positionals !== undefined, strict: true });
    return { values: parsed.values as ParsedArgs["values"], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify.*$/s, "")}. Run "superset ${command.path.join(" ")} --help".`);
  }
}

export function commandHelp(command: Command): string {
  const lines = [`Usage: superset ${command.path.join(" ")}${command.positionals ? ` ${command.positionals}` : ""} [options]`, "", command.summary, "", "Options:"];
  const rows = Object.entries(command.options).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : "    ";
    const value = spec.type === "string" ? ` ${spec.valueName ?? name.toUpperCase()}` : "";
    return [`  ${short}--${name}${value}`, spec.description + (spec.multiple ? " (repeatable)" : "")];
  });
  rows.push(["  -h, --help", "Show this help"]);
  const width = Math.max(...rows.map(([left]) => left!.length)) + 2;
  for (const [left, right] of rows) lines.push(left!.padEnd(width) + right);
  return lines.join("\n");
}
