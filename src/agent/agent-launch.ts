/**
 * How an agent preset becomes a program to run: always an argument vector, never a shell line, so
 * a prompt is one argument (or typed on stdin) whatever it contains and can never run anything
 * else on the host.
 */
import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import type { WirePreset } from "../hosts/protocol.ts";
import { CommandError, type TerminalLaunch } from "./types.ts";

/** Stands for the session id in a preset's `resumeArgs` (e.g. `["--resume", "{sessionId}"]`). */
export const SESSION_ID_PLACEHOLDER = "{sessionId}";

/**
 * The launch of `preset`: `[command, ...args, ...resumeArgs, ...promptArgs, prompt]`, the resume
 * arguments only with a `resumeSessionId` and the prompt arguments only with a non-empty prompt
 * passed on argv; with the "stdin" transport the prompt is typed on the terminal's input instead.
 * Throws CommandError("invalid") for a preset with an empty command, or a resume the preset cannot do.
 */
export function buildAgentLaunch(preset: WirePreset, prompt?: string, resumeSessionId?: string): TerminalLaunch {
  if (preset.command.trim() === "") {
    throw new CommandError("invalid", `Agent preset "${preset.id}" has an empty command; set its command in AGENT_PRESETS.`);
  }
  const argv = [preset.command, ...preset.args];
  if (resumeSessionId !== undefined) {
    if (preset.resumeArgs.length === 0) {
      throw new CommandError("invalid", `Agent preset "${preset.id}" has no resumeArgs, so it cannot resume a session; start it without resumeSessionId or add resumeArgs to the preset.`);
    }
    argv.push(...preset.resumeArgs.map((arg) => arg.replaceAll(SESSION_ID_PLACEHOLDER, resumeSessionId)));
  }
  const hasPrompt = prompt !== undefined && prompt !== "";
  if (hasPrompt && preset.promptTransport === "stdin") return { kind: "argv", argv, stdin: prompt };
  if (hasPrompt && prompt.startsWith("-") && preset.promptArgs.length === 0 && preset.args.at(-1) !== "--") {
    // A bare positional prompt such as "--mcp-config=…" would be read as an option of the agent, and options can make it run other programs.
    throw new CommandError("invalid", `The prompt starts with "-", which ${preset.command} would read as an option; start the prompt with another character.`);
  }
  if (hasPrompt) argv.push(...preset.promptArgs, prompt);
  return { kind: "argv", argv };
}

/**
 * Whether `command` can be run here: a name found on `searchPath` (default: this process's PATH),
 * or a path (containing "/", relative to this process's folder) to an executable file.
 */
export function isCommandAvailable(command: string, searchPath?: string): boolean {
  if (command.trim() === "") return false;
  if (!command.includes("/")) return Bun.which(command, searchPath === undefined ? undefined : { PATH: searchPath }) !== null;
  try {
    const path = resolve(command);
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
