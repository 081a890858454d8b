/** Finds, imports, layers and validates the configuration (docs/configuration.md#loading). */
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import * as v from "valibot";
import { defaultConfig } from "./defaults.ts";
import { ConfigError, describeIssue } from "./errors.ts";
import { environmentLayer, isPlainObject, mergeLayer, type Sources } from "./layers.ts";
import { configSchema, type ResolvedConfig } from "./schema.ts";

export { ConfigError } from "./errors.ts";

export interface LoadOptions {
  /** `--config PATH`; wins over SUPERSET_CONFIG_PATH and ./config.ts. */
  path?: string;
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** CLI flags such as `--host`, `--port`, `--debug`; they win over the file and the environment. */
  overrides?: Partial<ResolvedConfig>;
  /** Where relative paths and ./config.ts are looked up; defaults to `process.cwd()`. */
  cwd?: string;
}

export interface LoadedConfig {
  config: ResolvedConfig;
  /** Absolute path of the config file, or null when only defaults (and env/flags) apply. */
  path: string | null;
  /** The folder relative paths written in the config file resolve against: the file's own, else the current directory. */
  baseDir: string;
}

const ENVIRONMENT = "the environment";
const COMMAND_LINE = "the command line";

/**
 * Loads the configuration: defaults, then the config file (dictionaries deep-merged), then
 * environment variables named like top-level scalar keys, then `overrides`, then validation.
 * Throws ConfigError with one sentence naming the key and the file.
 */
export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = locateConfigFile(options.path, env, cwd);
  const merged = defaultConfig() as Record<string, unknown>;
  const sources: Sources = new Map();
  if (file) mergeLayer(merged, await importConfigFile(file.path, file.shown), file.shown, sources);
  mergeLayer(merged, environmentLayer(env), ENVIRONMENT, sources);
  mergeLayer(merged, (options.overrides ?? {}) as Record<string, unknown>, COMMAND_LINE, sources);
  const result = v.safeParse(configSchema, merged, { abortEarly: true });
  if (!result.success) {
    const issue = result.issues[0];
    const topKey = String(issue.path?.[0]?.key ?? "");
    throw new ConfigError(sources.get(topKey) ?? file?.shown ?? "the defaults", describeIssue(issue));
  }
  const baseDir = file ? dirname(file.path) : cwd;
  // A path is relative to where it was written: the file's folder for the file's value and the
  // default (which the file left in place); the current directory for the environment and flags.
  const databaseUrlFromFileOrDefault = file !== null && (sources.get("DATABASE_URL") ?? file.shown) === file.shown;
  const config = databaseUrlFromFileOrDefault ? { ...result.output, DATABASE_URL: anchoredSqliteUrl(result.output.DATABASE_URL, baseDir) } : result.output;
  return { config, path: file?.path ?? null, baseDir };
}

/**
 * A `sqlite://` URL with a relative path made absolute against `baseDir`; any other URL as is.
 * Without it, `--config /etc/superset/config.ts` run from another folder silently made a second,
 * empty database there.
 */
export function anchoredSqliteUrl(url: string, baseDir: string): string {
  const match = /^sqlite:(?:\/\/)?(.*)$/.exec(url);
  const path = match?.[1];
  if (path === undefined || path === "" || path === ":memory:" || isAbsolute(path)) return url;
  return `sqlite://${resolve(baseDir, path)}`;
}

/** The public base URL (links, OAuth issuer, resource metadata), without a trailing slash. */
export function publicBaseUrl(config: Pick<ResolvedConfig, "MCP_SERVICE_URL" | "MCP_SERVICE_HOST" | "MCP_SERVICE_PORT">): string {
  if (config.MCP_SERVICE_URL) return config.MCP_SERVICE_URL.replace(/\/+$/, "");
  const host = config.MCP_SERVICE_HOST;
  // An IPv6 literal needs brackets in a URL (RFC 3986 §3.2.2).
  const shownHost = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${shownHost}:${config.MCP_SERVICE_PORT}`;
}

function locateConfigFile(given: string | undefined, env: Record<string, string | undefined>, cwd: string) {
  const explicit = given ?? (env.SUPERSET_CONFIG_PATH || undefined);
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    const origin = given !== undefined ? "--config" : "SUPERSET_CONFIG_PATH";
    if (!existsSync(path)) throw new ConfigError(explicit, `the file does not exist (given by ${origin}).`);
    if (!statSync(path).isFile()) throw new ConfigError(explicit, `this is not a file (given by ${origin}).`);
    return { path, shown: explicit };
  }
  const path = resolve(cwd, "config.ts");
  if (!existsSync(path)) return null;
  const fromHere = relative(process.cwd(), path);
  return { path, shown: fromHere.startsWith("..") || isAbsolute(fromHere) ? path : `./${fromHere}` };
}

/**
 * Imports the file by absolute path: Bun transpiles TypeScript at run time, also inside a
 * `bun build --compile` executable, and drops `import type` lines, so the file needs no packages.
 */
async function importConfigFile(path: string, shown: string): Promise<Record<string, unknown>> {
  let module: { default?: unknown };
  try {
    module = await import(path);
  } catch (error) {
    throw new ConfigError(shown, `the file could not be loaded: ${loadFailure(error)}.`);
  }
  if (!isPlainObject(module.default)) {
    const found = module.default === undefined ? "no default export" : `a default export of type ${Array.isArray(module.default) ? "array" : typeof module.default}`;
    throw new ConfigError(shown, `the file must \`export default { … }\` a config object (found ${found}).`);
  }
  return module.default;
}

/** The first line of a load failure; Bun reports syntax errors as an AggregateError of BuildMessages. */
function loadFailure(error: unknown): string {
  const first = error instanceof AggregateError && error.errors.length ? error.errors[0] : error;
  const e = first as { message?: unknown; position?: { line?: number; column?: number } | null };
  const message = String(e?.message ?? first)
    .split("\n")[0]!
    .replace(/\.$/, "");
  const at = e?.position?.line ? ` (line ${e.position.line}, column ${e.position.column ?? 0})` : "";
  return message + at;
}
