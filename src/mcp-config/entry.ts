/**
 * One server entry of a client's config file, read the way that client reads it: a command
 * (local) or a URL (remote), its headers and environment, and whether it is enabled. Each client
 * spells these differently (`httpUrl` in Gemini, `command` as an array in opencode, TOML tables
 * in Codex); `readEntry` takes the spelling of one client and gives one shape back.
 */
import { redactArgs, redactRecord, redactUrlText } from "./redact.ts";
import type { ConfiguredServer, ServerState, ServerTransport } from "./types.ts";

/** Longest server name shown as it is; past this the entry is invalid (clients use short names). */
export const MAX_SERVER_NAME_LENGTH = 200;
/** Longest URL, command, argument list or value considered; past these the entry is invalid, not truncated silently. */
const MAX_TARGET_LENGTH = 8_000;
const MAX_ARGS = 200;
const MAX_VALUES = 200;

/** How one client spells an entry. */
export interface EntrySpelling {
  /** Keys that may hold the URL of a remote server, in the order the client prefers them. */
  urlKeys: readonly string[];
  /** The command is an array of words (opencode) rather than `command` plus `args`. */
  commandIsArray?: boolean;
  /** Keys of the header and environment records. */
  headerKeys: readonly string[];
  envKeys: readonly string[];
  /** Keys of header records whose values name environment variables (Codex's `env_http_headers`), shown as `${NAME}`. */
  envHeaderKeys?: readonly string[];
  /** A key naming an environment variable that holds a bearer token (Codex's `bearer_token_env_var`). */
  bearerEnvKey?: string;
}

type Interpreted = Omit<ConfiguredServer, "name" | "file" | "client">;

/** A plain object (a JSON object or TOML table), not an array or null. */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Text as shown: control and bidirectional-override characters escaped, so a hostile file cannot rewrite the terminal or a table. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A name as shown: at most MAX_SERVER_NAME_LENGTH characters, printable. */
export function printableName(name: string): string {
  return printable(name.slice(0, MAX_SERVER_NAME_LENGTH));
}

/** Why a name cannot be a server name, or null. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return "the name is empty";
  if (name.length > MAX_SERVER_NAME_LENGTH) return `the name is ${name.length} characters long, over ${MAX_SERVER_NAME_LENGTH}`;
  if (printableName(name) !== name) return "the name has control characters";
  return null;
}

function stringRecord(value: unknown, what: string): { record: Record<string, string>; problem: string | null } {
  if (value === undefined) return { record: {}, problem: null };
  if (!isRecord(value)) return { record: {}, problem: `${what} is not an object of names and values` };
  const entries = Object.entries(value);
  if (entries.length > MAX_VALUES) return { record: {}, problem: `${what} has ${entries.length} entries, over ${MAX_VALUES}` };
  const record: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (typeof item !== "string") return { record: {}, problem: `${what}.${printableName(key)} is not a string` };
    if (item.length > MAX_TARGET_LENGTH) return { record: {}, problem: `${what}.${printableName(key)} is longer than ${MAX_TARGET_LENGTH} characters` };
    record[printableName(key)] = item;
  }
  return { record, problem: null };
}

function mergedRecords(entry: Record<string, unknown>, keys: readonly string[]): { record: Record<string, string>; problem: string | null } {
  const record: Record<string, string> = {};
  for (const key of keys) {
    const part = stringRecord(entry[key], key);
    if (part.problem) return { record: {}, problem: part.problem };
    Object.assign(record, part.record);
  }
  return { record, problem: null };
}

function commandOf(entry: Record<string, unknown>, spelling: EntrySpelling): { words: string[] | null; problem: string | null } {
  const command = entry.command;
  if (command === undefined) return { words: null, problem: null };
  const words = spelling.commandIsArray ? command : [command, ...((entry.args as unknown[] | undefined) ?? [])];
  if (!Array.isArray(words)) return { words: null, problem: spelling.commandIsArray ? "command is not an array of words" : "args is not an array" };
  if (words.length === 0) return { words: null, problem: "command is empty" };
  if (words.length > MAX_ARGS + 1) return { words: null, problem: `the command has ${words.length} words, over ${MAX_ARGS}` };
  if (!words.every((word) => typeof word === "string")) return { words: null, problem: spelling.commandIsArray ? "command has a word that is not a string" : "command or an argument is not a string" };
  if (words[0] === "") return { words: null, problem: "command is empty" };
  if (words.join(" ").length > MAX_TARGET_LENGTH) return { words: null, problem: `the command is longer than ${MAX_TARGET_LENGTH} characters` };
  return { words: words as string[], problem: null };
}

function urlOf(entry: Record<string, unknown>, spelling: EntrySpelling): { url: string | null; problem: string | null } {
  const key = spelling.urlKeys.find((candidate) => entry[candidate] !== undefined);
  if (!key) return { url: null, problem: null };
  const url = entry[key];
  if (typeof url !== "string") return { url: null, problem: `${key} is not a string` };
  if (url.length > MAX_TARGET_LENGTH) return { url: null, problem: `${key} is longer than ${MAX_TARGET_LENGTH} characters` };
  // Claude Code and opencode expand variables in URLs (`${API_BASE}/mcp`, `{env:API_BASE}`): only the client knows the result.
  if (/\$\{[A-Za-z_]|\{env:/.test(url)) return { url, problem: null };
  if (!URL.canParse(url)) return { url, problem: `${key} is not a URL` };
  const protocol = new URL(url).protocol;
  if (protocol !== "http:" && protocol !== "https:") return { url, problem: `${key} is not an http:// or https:// URL` };
  return { url, problem: null };
}

/**
 * Reads one entry in the spelling of its client. `disabledBy` is the client's own way of turning
 * a server off, evaluated by the caller (a flag on the entry, a list elsewhere in the file).
 */
export function readEntry(value: unknown, spelling: EntrySpelling, disabledBy: string | null): Interpreted {
  const invalid = (reason: string, transport: ServerTransport = "local", target = ""): Interpreted => ({ transport, target, state: "invalid", reason, headers: {}, env: {} });
  if (!isRecord(value)) return invalid("the entry is not an object");
  const command = commandOf(value, spelling);
  const url = urlOf(value, spelling);
  const transport: ServerTransport = command.words === null && (url.url !== null || url.problem !== null) ? "remote" : "local";
  const target = printable(command.words ? [command.words[0]!, ...redactArgs(command.words.slice(1))].join(" ") : url.url ? redactUrlText(url.url) : "");
  const problem = command.problem ?? url.problem;
  if (problem) return invalid(problem, transport, target);
  if (command.words && url.url) return invalid("the entry has both a command and a URL; a client uses one of them", transport, target);
  if (!command.words && !url.url) return invalid(`the entry has neither a command nor a URL (${["command", ...spelling.urlKeys].join(", ")})`);
  const headers = mergedRecords(value, spelling.headerKeys);
  if (headers.problem) return invalid(headers.problem, transport, target);
  const fromEnv = mergedRecords(value, spelling.envHeaderKeys ?? []);
  if (fromEnv.problem) return invalid(fromEnv.problem, transport, target);
  for (const [name, variable] of Object.entries(fromEnv.record)) headers.record[name] = `\${${variable}}`;
  const env = mergedRecords(value, spelling.envKeys);
  if (env.problem) return invalid(env.problem, transport, target);
  if (spelling.bearerEnvKey && value[spelling.bearerEnvKey] !== undefined) {
    const variable = value[spelling.bearerEnvKey];
    if (typeof variable !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,200}$/.test(variable)) return invalid(`${spelling.bearerEnvKey} is not the name of an environment variable`, transport, target);
    headers.record.Authorization = `Bearer \${${variable}}`;
  }
  const state: ServerState = disabledBy ? "disabled" : "enabled";
  const shown = (record: Record<string, string>) => Object.fromEntries(Object.entries(redactRecord(record)).map(([key, item]) => [key, printable(item)]));
  return { transport, target, state, reason: disabledBy, headers: shown(headers.record), env: shown(env.record) };
}
