/**
 * SECRET_KEY, the key of the signing-key encryption and the CSRF tokens: the
 * configured one, else, in dev mode only, one generated on first start into `<dataDir>/secret_key`
 * (mode 0600) and read from there afterwards, so signing keys and open forms survive restarts.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { sqlitePath } from "../db/client.ts";
import type { ResolvedConfig } from "./schema.ts";

/** Random bytes of a generated key (64 base64url characters). */
const GENERATED_KEY_BYTES = 48;
export const SECRET_KEY_FILE_NAME = "secret_key";

export interface SecretKeyOptions {
  /** Where the dev-mode key file lives (default ./data; the server and the CLI pass devSecretKeyDir). */
  dataDir?: string;
  /** Told the path when a key was generated (the server logs it). */
  onGenerated?: (path: string) => void;
}

/**
 * Where the dev-mode key file goes: the folder of the SQLite database file, else (PostgreSQL, an
 * in-memory database) `data/` in `baseDir`, the config file's folder (LoadedConfig.baseDir). The
 * key decrypts the signing keys stored in that database, so the two travel together: moving or
 * deleting the data folder keeps them matched, and two configs with two databases never share or
 * overwrite one key file, whatever folder the command is run from.
 */
export function devSecretKeyDir(databaseUrl: string, baseDir: string): string {
  const path = databaseUrl.startsWith("sqlite:") ? sqlitePath(databaseUrl) : ":memory:";
  return path === ":memory:" ? resolve(baseDir, "data") : dirname(resolve(baseDir, path));
}

/** The SECRET_KEY to run with; throws when auth is on and none is configured (start-up checks refuse that first). */
export async function resolveSecretKey(config: Pick<ResolvedConfig, "SECRET_KEY" | "MCP_AUTH_ENABLED">, options: SecretKeyOptions = {}): Promise<string> {
  if (config.SECRET_KEY) return config.SECRET_KEY;
  if (config.MCP_AUTH_ENABLED) {
    throw new Error("SECRET_KEY is not set while MCP_AUTH_ENABLED is true: set SECRET_KEY to a long random string (generate one with `openssl rand -base64 48`); it is generated only in dev mode.");
  }
  const path = resolve(join(options.dataDir ?? "./data", SECRET_KEY_FILE_NAME));
  const existing = readKeyFile(path);
  if (existing !== null) return existing;
  mkdirSync(resolve(options.dataDir ?? "./data"), { recursive: true, mode: 0o700 });
  const generated = Buffer.from(crypto.getRandomValues(new Uint8Array(GENERATED_KEY_BYTES))).toString("base64url");
  // Written whole to a private temporary file, then linked into place: of two processes starting
  // at once, one's link wins and the other reads a complete file, never a half-written one.
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    writeFileSync(temporary, `${generated}\n`, { mode: 0o600, flag: "wx" });
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST")
      throw new Error(`Cannot write the generated SECRET_KEY to ${path}: ${(error as Error).message}; make the folder writable or set SECRET_KEY.`);
    return readKeyFile(path)!;
  } finally {
    rmSync(temporary, { force: true });
  }
  options.onGenerated?.(path);
  return generated;
}

/** The key in the file, null when there is no file; an empty file is an error, never an empty key. */
function readKeyFile(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`Cannot read SECRET_KEY from ${path}: ${(error as Error).message}`);
  }
  const key = text.trim();
  if (!key) throw new Error(`${path} is empty; delete it to have a new SECRET_KEY generated, or set SECRET_KEY.`);
  return key;
}
