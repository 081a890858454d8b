#!/usr/bin/env bun
/** CLI entry: finds the command named by the arguments and runs it. */
import { COMMANDS } from "./cli/index.ts";
import { commandHelp, parseCommandArgs, UsageError, type Command } from "./cli/command.ts";
import { VERSION } from "./version.ts";

function groupHelp(prefix: string[]): string {
  const matching = COMMANDS.filter((c) => prefix.every((word, i) => c.path[i] === word));
  const width = Math.max(...matching.map((c) => c.path.join(" ").length)) + 4;
  const title = prefix.length ? `superset ${prefix.join(" ")}` : "superset";
  return [
    `Usage: ${title} <command> [options]`,
    "",
    prefix.length ? "Commands:" : `Superset MCP ${VERSION}: an MCP server for a team's coding-agent fleet.\n\nCommands:`,
    ...matching.map((c) => `  ${c.path.join(" ").padEnd(width)}${c.summary}`),
    "",
    `Run "superset <command> --help" for the options of one command.`,
  ].join("\n");
}

function findCommand(argv: string[]): { command?: Command; rest: string[]; prefix: string[] } {
  const prefix: string[] = [];
  for (let i = 0; i < argv.length && !argv[i]!.startsWith("-"); i++) {
    prefix.push(argv[i]!);
    const command = COMMANDS.find((c) => c.path.length === prefix.length && c.path.every((w, j) => w === prefix[j]));
    if (command) return { command, rest: argv.slice(i + 1), prefix };
  }
  return { rest: [], prefix };
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "-v") {
    console.log(VERSION);
    return 0;
  }
  const { command, rest, prefix } = findCommand(argv);
  if (!command) {
    const known = prefix.filter((_, i) => COMMANDS.some((c) => prefix.slice(0, i + 1).every((w, j) => c.path[j] === w)));
    const wantsHelp = argv.length === 0 || argv.includes("--help") || argv.includes("-h");
    if (wantsHelp || known.length === prefix.length) {
      console.log(groupHelp(known));
      return wantsHelp ? 0 : 2;
    }
    console.error(`Unknown command "superset ${prefix.join(" ")}". Run "superset --help" for the list.`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(parseCommandArgs(command, rest));
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && error.name === "ConfigError")) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
