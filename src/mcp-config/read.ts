/**
 * Reads the MCP config files of one folder (CONFIG_SOURCES) without ever leaving it: each file's
 * real path must lie inside the folder's real path (a symlink pointing out is refused), only
 * regular files are opened, and at most MAX_CONFIG_FILE_BYTES are read. Nothing is written.
 * Shared by `superset mcp-config list` and the host agent's `workspace.mcpConfig` command.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { parse as parseToml } from "smol-toml";
import { isRecord, nameProblem, printableName, readEntry } from "./entry.ts";
import { CONFIG_SOURCES, type ConfigSource } from "./sources.ts";
import type { ConfigFileProblem, ConfiguredServer, McpConfigListing } from "./types.ts";

/** Config files are a few KB; a larger one is not a config file anyone wrote by hand. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** Servers shown per file at most; the rest are reported as a problem of the file. */
export const MAX_SERVERS_PER_FILE = 500;

/** Why a folder cannot be read at all (missing, not a folder); thrown, for the caller to word. */
export class McpConfigFolderError extends Error {}

function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/**
 * The real path of `file` under `root` (a real path), walked one name at a time so a link on the
 * way (`.cursor` → /etc) is refused whether or not the file behind it exists: null when absent,
 * or the reason it is not read.
 */
function confinedPath(root: string, file: string): { path: string } | { problem: string } | null {
  let current = root;
  for (const name of file.split("/")) {
    const next = join(current, name);
    let isLink: boolean;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      // Absent, or a folder on the way is missing: nothing configured there.
      return null;
    }
    if (isLink) {
      let real: string;
      try {
        real = realpathSync(next);
      } catch {
        return { problem: "is a symbolic link that leads nowhere; not read" };
      }
      if (real !== root && !isWithin(root, real)) return { problem: "leads outside the folder through a symbolic link; not read" };
      current = real;
    } else {
      current = next;
    }
  }
  return { path: current };
}

/**
 * The text of an open file of `size` bytes (its fstat): null when it is not UTF-8, "changed" when
 * it grew while being read (one byte more than `size` is asked for, so growth is seen, never read on).
 */
export function readUtf8(fd: number, size: number): string | null | "changed" {
  const buffer = Buffer.alloc(size + 1);
  let length = 0;
  for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
  if (length > size) return "changed";
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buffer.subarray(0, length));
  } catch {
    return null;
  }
}

/** The text of `file` in `root` (a real path), null when absent, or the reason it was not read. */
export function readConfinedFile(root: string, file: string): { text: string } | { problem: string } | null {
  const confined = confinedPath(root, file);
  if (confined === null || "problem" in confined) return confined;
  const real = confined.path;
  // O_NOFOLLOW: a link swapped in after the check is not followed; O_NONBLOCK: a FIFO never blocks the read.
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { problem: `cannot be opened (${(error as NodeJS.ErrnoException).code ?? "error"}); not read` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { problem: "is not a regular file; not read" };
    if (stat.size > MAX_CONFIG_FILE_BYTES) return { problem: `is ${stat.size} bytes, over the ${MAX_CONFIG_FILE_BYTES} bytes a config file may have; not read` };
    const text = readUtf8(fd, stat.size);
    if (text === "changed") return { problem: "changed while it was read; not read" };
    return text === null ? { problem: "is not UTF-8 text; not read" } : { text };
  } catch (error) {
    return { problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); not read` };
  } finally {
    closeSync(fd);
  }
}

/** Parses a config file's text in its format; JSON as the clients read it, comments allowed. */
export function parseConfigText(text: string, format: ConfigSource["format"]): { document: unknown } | { problem: string } {
  try {
    return { document: format === "toml" ? parseToml(text) : Bun.JSONC.parse(text) };
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 200);
    return { problem: `is not valid ${format === "toml" ? "TOML" : "JSON"} (${detail})` };
  }
}

function serversOf(source: ConfigSource, document: unknown): { servers: ConfiguredServer[]; problem: string | null } {
  if (!isRecord(document)) return { servers: [], problem: `is not a ${source.format === "toml" ? "TOML table" : "JSON object"}` };
  const record = document[source.serversKey];
  if (record === undefined) return { servers: [], problem: null };
  if (!isRecord(record)) return { servers: [], problem: `has a "${source.serversKey}" that is not an object of servers by name` };
  const names = Object.keys(record);
  const servers = names.slice(0, MAX_SERVERS_PER_FILE).map((name): ConfiguredServer => {
    const base = { name: printableName(name), file: source.file, client: source.client };
    const badName = nameProblem(name);
    if (badName) return { ...base, transport: "local", target: "", state: "invalid", reason: badName, headers: {}, env: {} };
    return { ...base, ...readEntry(record[name], source.spelling, source.disabled(record[name], name, document)) };
  });
  const problem = names.length > MAX_SERVERS_PER_FILE ? `has ${names.length} servers; only the first ${MAX_SERVERS_PER_FILE} are shown` : null;
  return { servers, problem };
}

/** The servers configured in `folder` and the config files there that could not be read. */
export function readMcpConfig(folder: string): McpConfigListing {
  let root: string;
  try {
    root = realpathSync(folder);
  } catch {
    throw new McpConfigFolderError(`The folder ${folder} does not exist.`);
  }
  if (!lstatSync(root).isDirectory()) throw new McpConfigFolderError(`${folder} is not a folder.`);
  const servers: ConfiguredServer[] = [];
  const problems: ConfigFileProblem[] = [];
  for (const source of CONFIG_SOURCES) {
    const problemOf = (reason: string) => problems.push({ file: source.file, client: source.client, reason: `${source.file} ${reason}` });
    const read = readConfinedFile(root, source.file);
    if (read === null) continue;
    if ("problem" in read) {
      problemOf(read.problem);
      continue;
    }
    const parsed = parseConfigText(read.text, source.format);
    if ("problem" in parsed) {
      problemOf(parsed.problem);
      continue;
    }
    const found = serversOf(source, parsed.document);
    servers.push(...found.servers);
    if (found.problem) problemOf(found.problem);
  }
  return { servers, problems };
}
