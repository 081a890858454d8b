/**
 * Temporary folders that tests remove: `tempDir` makes one under the system temp folder and
 * remembers it; `removeTempDirs` (in the file's afterAll) removes every one made since.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** A new empty folder named `<prefix>XXXXXX`, removed by `removeTempDirs`. */
export function tempDir(prefix = "superset-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder made by `tempDir` (call in afterAll). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
