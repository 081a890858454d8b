/**
 * What `superset init` writes: the commented config.ts, the environment file with SECRET_KEY, and
 * the checks of its inputs (the public URL, the names) that decide them.
 */
import { UsageError } from "./command.ts";

/** Random bytes of a generated SECRET_KEY: 64 base64url characters, as the dev-mode key file holds. */
const SECRET_KEY_BYTES = 48;
const URL_MAX_LENGTH = 2000;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Longest values init accepts; the services check the shapes, these keep every input bounded. */
export const INIT_LIMITS = { orgSlug: 63, orgName: 200, username: 100, email: 254, path: 1024, password: 1024 } as const;

/** A checked `--url`: the public base URL without a trailing slash, and a warning for plain http. */
export interface PublicUrl {
  url: string;
  host: string;
  warning: string | null;
}

/** `--url` as MCP_SERVICE_URL: https, or http only on a loopback host (then with a warning). */
export function parsePublicUrl(given: string | undefined): PublicUrl {
  if (given === undefined || given === "") throw new UsageError('Missing --url: give the public address clients reach the server at, e.g. "superset init --url https://superset.example.com".');
  if (given.length > URL_MAX_LENGTH) throw new UsageError(`--url must be at most ${URL_MAX_LENGTH} characters (it has ${given.length}).`);
  if (!URL.canParse(given)) throw new UsageError(`--url "${given}" is not a URL: give the https:// address clients reach the server at.`);
  const url = new URL(given);
  if (url.username || url.password || url.search || url.hash) throw new UsageError(`--url "${given}" must not hold a user, a password, a query or a fragment: give the scheme, host and port only.`);
  const isLoopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol === "http:" && !isLoopback) {
    throw new UsageError(`--url "${given}" must use https:// (plain http:// only for a loopback host): sign-in forms, OAuth codes and tokens would otherwise cross the network in the clear.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`--url "${given}" must start with https://.`);
  const warning =
    url.protocol === "http:" ? `--url ${url.origin} uses plain http: fine for trying the server on this machine, but clients elsewhere need https:// (nginx in front, see the next steps).` : null;
  return { url: `${url.origin}${url.pathname.replace(/\/+$/, "")}`, host: url.hostname.replace(/^\[|\]$/g, ""), warning };
}

/** The organization slug init proposes from the URL's host: superset.example.com becomes superset-example-com. */
export function slugFromHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, INIT_LIMITS.orgSlug)
    .replace(/-+$/, "");
}

/** Refuses a value longer than its limit, naming the option. */
export function checkLength(option: string, value: string, max: number): void {
  if (value.length > max) throw new UsageError(`--${option} must be at most ${max} characters (it has ${value.length}).`);
}

/** A fresh SECRET_KEY from the system's CSPRNG; base64url, so the environment file needs no quoting. */
export function generateSecretKey(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(SECRET_KEY_BYTES))).toString("base64url");
}

/** The environment file systemd reads (EnvironmentFile=): KEY=value lines, taken literally. */
export function envFileText(secretKey: string): string {
  return [
    "# Secrets of the Superset MCP server, written by superset init. systemd reads this file as root",
    "# (EnvironmentFile=) before it starts the service; keep it mode 0600, owned by root.",
    "# SECRET_KEY encrypts the signing keys in the database and signs the web forms: changing it",
    "# signs everyone out and makes the stored signing keys unreadable.",
    `SECRET_KEY=${secretKey}`,
    "",
  ].join("\n");
}

/** The config.ts of a deployment behind nginx: sign-in required, loopback only, SQLite in the state directory. */
export function configFileText(options: { url: string; databaseUrl: string; envPath: string; configPath: string }): string {
  return `// Superset MCP server configuration, written by superset init.
// Every key and its default: the README's Configuration section. No secret belongs here: this file
// is readable by the service user, SECRET_KEY comes from ${options.envPath} (systemd's EnvironmentFile=).
// Check a change with (as root):
//   set -a; . ${options.envPath}; set +a; superset config check --config ${options.configPath}
// then restart: systemctl restart superset

export default {
  // Every MCP request and web page needs a credential: OAuth for MCP clients, API keys for scripts.
  MCP_AUTH_ENABLED: true,
  // The public address clients use; OAuth metadata, redirects and links are built from it.
  MCP_SERVICE_URL: ${JSON.stringify(options.url)},
  // Only nginx on this machine talks to the server; it terminates TLS in front of it.
  MCP_SERVICE_HOST: "127.0.0.1",
  MCP_SERVICE_PORT: 5008,
  // SQLite in the unit's StateDirectory= (the only place the service may write).
  DATABASE_URL: ${JSON.stringify(options.databaseUrl)},
  SECRET_KEY: process.env.SECRET_KEY,
};
`;
}
