/** The checks of `superset connect`'s inputs: the server URL, the API key and the server name, each bounded. */
import { isWellFormedApiKey } from "../../auth/api-key-format.ts";
import { MCP_PATHS } from "../../mcp/paths.ts";
import { UsageError } from "../command.ts";

const URL_MAX_LENGTH = 2000;
const KEY_MAX_LENGTH = 200;
/** Every client accepts these; Codex's TOML table names allow no more (letters, digits, _ and -). */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A value as echoed in a message: quoted, escaped, at most 200 characters. */
const shown = (value: string) => JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);

/** A checked MCP URL; `warning` when it is plain http to a loopback address or not one of the server's paths. */
export interface ServerUrl {
  url: string;
  isLoopback: boolean;
  warning: string | null;
}

/** `--url`: http(s), no credentials, query or fragment; a bare origin gets `/mcp`. */
export function parseServerUrl(given: string, hasKey: boolean): ServerUrl {
  if (given.length > URL_MAX_LENGTH) throw new UsageError(`--url must be at most ${URL_MAX_LENGTH} characters (it has ${given.length}).`);
  if (!URL.canParse(given)) throw new UsageError(`--url ${shown(given)} is not a URL: give the server's MCP address, e.g. https://superset.example.com/mcp.`);
  const url = new URL(given);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`--url ${shown(given)} must start with https:// (or http:// for this machine).`);
  if (url.username || url.password || url.search || url.hash)
    throw new UsageError(`--url ${shown(given)} must not hold a user, a password, a query or a fragment: a client would store them in its config file.`);
  const isLoopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol === "http:" && !isLoopback && hasKey) {
    throw new UsageError(`--url ${shown(given)} uses plain http:// to another machine: the API key would cross the network in the clear; use the server's https:// address.`);
  }
  if (url.pathname === "/") url.pathname = MCP_PATHS[0];
  const path = url.pathname.replace(/\/+$/, "");
  const warnings: string[] = [];
  if (url.protocol === "http:" && !isLoopback) warnings.push(`${url.origin} uses plain http: sign-in and tokens cross the network in the clear; prefer https://.`);
  if (!(MCP_PATHS as readonly string[]).some((known) => path.endsWith(known))) warnings.push(`the path ${path} is not one of the server's MCP paths (${MCP_PATHS.join(", ")}); check the URL.`);
  return { url: `${url.origin}${path}`, isLoopback, warning: warnings.length ? warnings.join(" ") : null };
}

/** `--api-key`: an API key of this server (sk_live_ and 43 characters). */
export function parseApiKey(given: string): string {
  const key = given.trim();
  if (key.length > KEY_MAX_LENGTH || !isWellFormedApiKey(key)) {
    throw new UsageError("--api-key must be an API key of this server: sk_live_ followed by 43 letters, digits, _ or - (create one with superset api-keys create or at /settings/api-keys).");
  }
  return key;
}

/** Bytes of stdin `--api-key-stdin` reads at most: a key and a newline, with room to spare. */
const STDIN_MAX_BYTES = 4096;

/** The key piped in for `--api-key-stdin` (so it stays out of the shell history and `ps`), one trailing newline dropped. */
export async function readApiKeyFromStdin(): Promise<string> {
  const reader = Bun.stdin.stream().getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      length += chunk.value.length;
      if (length > STDIN_MAX_BYTES) throw new UsageError(`--api-key-stdin read more than ${STDIN_MAX_BYTES} bytes: pipe in the key alone.`);
      chunks.push(chunk.value);
    }
  } finally {
    reader.releaseLock();
  }
  return parseApiKey(
    Buffer.concat(chunks)
      .toString("utf8")
      .replace(/\r?\n$/, ""),
  );
}

/** `--name`: the server's name in the client's config. */
export function parseServerName(given: string): string {
  if (!NAME_PATTERN.test(given)) throw new UsageError(`--name ${JSON.stringify(given.slice(0, 100))} must be 1 to 64 letters, digits, _ or -, starting with a letter or digit.`);
  return given;
}
