/** Temporary config files for the config tests. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir as newTempDir } from "../helpers/temp-dirs.ts";

/** A fresh directory (each file gets its own, because Bun caches imported modules by path), removed by removeTempDirs. */
export const tempDir = (): string => newTempDir("superset-config-");

/** Writes `source` as `<fresh dir>/<name>` and returns its absolute path. */
export function writeConfig(source: string, name = "config.ts"): string {
  const path = join(tempDir(), name);
  writeFileSync(path, source);
  return path;
}

/** Writes `export default <object>;` for a plain-data config. */
export function writeObjectConfig(config: Record<string, unknown>): string {
  return writeConfig(`export default ${JSON.stringify(config, null, 2)};\n`);
}

/** Dev-mode keys that make startupProblems empty, to build configs that differ in one key. */
export const DEV_MODE = { MCP_AUTH_ENABLED: false, MCP_DEV_USERNAME: "admin" } as const;
