/**
 * The migrations are up to date with the schemas: `drizzle-kit generate`, run for each dialect
 * into a copy of its migrations folder, finds nothing to write. A schema edit committed without
 * its migration fails here.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { MIGRATIONS_DIR } from "../../scripts/db/migrations-list.ts";
import { removeTempDirs, tempDir } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

const DRIZZLE_KIT = join(import.meta.dir, "../../node_modules/drizzle-kit/bin.cjs");
const SCHEMA_DIR = join(import.meta.dir, "../../src/db/schema");
const DIALECTS = [
  { folder: "sqlite", dialect: "sqlite" },
  { folder: "postgres", dialect: "postgresql" },
] as const;

/** Every file below `root` with its text, by path relative to `root`. */
function tree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(root, path)] = readFileSync(path, "utf8");
  }
  return files;
}

describe("drizzle-kit generate", () => {
  for (const { folder, dialect } of DIALECTS) {
    test(`${folder}: writes no new migration for the schema as it is`, async () => {
      const work = tempDir("superset-drizzle-kit-");
      cpSync(join(MIGRATIONS_DIR, folder), join(work, "out"), { recursive: true });
      // drizzle-kit resolves `out` against its working folder, so the config lives in the copy.
      const config = { dialect, schema: join(SCHEMA_DIR, `${folder}.ts`), out: "./out" };
      writeFileSync(join(work, "drizzle.config.mjs"), `export default ${JSON.stringify(config)};\n`);
      const child = Bun.spawn([process.execPath, DRIZZLE_KIT, "generate", "--config", "drizzle.config.mjs"], { cwd: work, stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
      expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
      expect(stdout).toContain("No schema changes");
      expect(tree(join(work, "out"))).toEqual(tree(join(MIGRATIONS_DIR, folder)));
    }, 60_000);
  }
});
