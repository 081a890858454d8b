/**
 * A client's config file as a document: parsed strictly (JSON, or TOML through smol-toml), the
 * server entry merged in with every other key kept, and rendered back in the file's own style
 * (its indentation; for TOML, the new table appended so the file's comments stay when it can).
 */
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { isRecord } from "../../mcp-config/entry.ts";
import { UsageError } from "../command.ts";
import type { ClientFormat } from "./clients.ts";

export type Document = Record<string, unknown>;

/** Keys of a server entry that `superset connect` decides; any other key a user added to the entry is kept. */
const MANAGED_ENTRY_KEYS = ["type", "url", "httpUrl", "headers", "http_headers", "command", "args", "oauth", "enabled", "bearer_token_env_var", "env_http_headers"];

/** The document in `text`; a file that does not parse, or parses to something else than an object, is refused. */
export function parseDocument(text: string, format: ClientFormat, path: string): Document {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = format === "toml" ? parseToml(text) : JSON.parse(text);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 200);
    if (format === "json" && isJsonWithComments(text)) {
      throw new UsageError(
        `${path} has comments, which superset connect would drop when it rewrites the file; nothing was written. Remove the comments, or add the entry by hand as the README's Connecting clients section shows.`,
      );
    }
    throw new UsageError(`${path} is not valid ${format === "toml" ? "TOML" : "JSON"} (${detail}); nothing was written. Fix the file or move it away, then run superset connect again.`);
  }
  if (!isRecord(parsed)) throw new UsageError(`${path} holds ${Array.isArray(parsed) ? "an array" : "a single value"}, not an object of settings; nothing was written. Fix the file or move it away.`);
  return parsed;
}

function isJsonWithComments(text: string): boolean {
  try {
    Bun.JSONC.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The document with `entry` as server `name` under `serversKey`. An entry of that name is
 * replaced in the keys connect decides and keeps the others (a timeout, a tool filter).
 */
export function mergeServer(document: Document, serversKey: string, name: string, entry: Record<string, unknown>, path: string): Document {
  const servers = document[serversKey];
  if (servers !== undefined && !isRecord(servers)) throw new UsageError(`${path} has a "${serversKey}" that is not an object of servers by name; nothing was written. Fix it by hand.`);
  const existing = servers?.[name];
  const kept = isRecord(existing) ? Object.fromEntries(Object.entries(existing).filter(([key]) => !MANAGED_ENTRY_KEYS.includes(key))) : {};
  return { ...document, [serversKey]: { ...(servers ?? {}), [name]: { ...kept, ...entry } } };
}

/** JSON text of a value with every object's keys sorted, to compare documents whatever their key order or prototype. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    isRecord(item)
      ? Object.fromEntries(
          Object.keys(item)
            .sort()
            .map((key) => [key, item[key]]),
        )
      : item,
  );
}

/** Whether two documents hold the same settings, whatever their key order. */
export function sameDocument(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** Whether a TOML text has a comment line, which a full rewrite would not keep. */
export function hasTomlComments(text: string): boolean {
  return /^\s*#/m.test(text);
}

/** The indentation of a JSON file's first indented line (2 spaces when none). */
function jsonIndent(original: string | null): string | number {
  const match = original ? /\n([ \t]+)\S/.exec(original) : null;
  return match ? match[1]! : 2;
}

/**
 * The file's text without the TOML tables of one server (`[mcp_servers.NAME]` and its
 * `[mcp_servers.NAME.*]` subtables), up to the next table header; the caller checks the result.
 */
function withoutServerTables(text: string, serversKey: string, name: string): string {
  const own = new RegExp(`^\\s*\\[\\s*${serversKey}\\.${name}\\s*(?:\\.[^\\]]*)?\\]\\s*(?:#.*)?$`);
  const header = /^\s*\[/;
  let skipping = false;
  return text
    .split("\n")
    .filter((line) => {
      if (header.test(line)) skipping = own.test(line);
      return !skipping;
    })
    .join("\n");
}

/**
 * The text of `document` in `format`, in the style of `original` (the file's current text, or
 * null). For TOML the server's tables are appended to the file as it is (its old tables of that
 * server taken out first), so every comment stays; the result is parsed back to make sure it
 * means exactly the merged document, else the whole file is written out afresh.
 */
export function renderDocument(document: Document, format: ClientFormat, original: string | null, server: { serversKey: string; name: string }): string {
  if (format === "json") return `${JSON.stringify(document, null, jsonIndent(original))}\n`;
  if (original !== null && original.trim() !== "") {
    const servers = document[server.serversKey] as Record<string, unknown>;
    const fragment = stringifyToml({ [server.serversKey]: { [server.name]: servers[server.name] } });
    const kept = withoutServerTables(original, server.serversKey, server.name).replace(/\s*$/, "");
    const appended = `${kept}${kept ? "\n\n" : ""}${fragment}\n`;
    try {
      if (sameDocument(parseToml(appended), document)) return appended;
    } catch {
      // Falls through to a full rewrite.
    }
  }
  return `${stringifyToml(document)}\n`;
}
