/**
 * The formatter's check in the suite, so CI fails on unformatted code: Prettier, with the
 * repository's .prettierrc.json and .prettierignore, must find nothing to change. `npm run format`
 * rewrites what it lists. Prettier runs under the test's own Bun, so the check needs no Node.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const PRETTIER = join(ROOT, "node_modules/prettier/bin/prettier.cjs");
/** Prettier reads every covered file: seconds on a busy machine, far more than bun's default 5 s. */
const CHECK_TIMEOUT_MS = 120_000;
const scratch = mkdtempSync(join(tmpdir(), "superset-format-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs Prettier from the repository root; its exit code and the files it names. */
function prettier(args: string[]): { exitCode: number; files: string[]; stderr: string } {
  const run = Bun.spawnSync([process.execPath, PRETTIER, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
  const files = run.stdout.toString().split("\n").filter(Boolean);
  return { exitCode: run.exitCode, files, stderr: run.stderr.toString() };
}

describe("formatting", () => {
  test(
    "every file Prettier covers is formatted (else run npm run format)",
    () => {
      const { exitCode, files, stderr } = prettier(["--list-different", "."]);
      expect(stderr).toBe("");
      expect(files, `${files.length} files are not formatted: run npm run format`).toEqual([]);
      expect(exitCode).toBe(0);
    },
    CHECK_TIMEOUT_MS,
  );

  test(
    "the check finds an unformatted file and passes a formatted one",
    () => {
      const messy = join(scratch, "messy.ts");
      const tidy = join(scratch, "tidy.ts");
      writeFileSync(messy, "const  answer = {a:1,'b' : 2}\n");
      writeFileSync(tidy, 'const answer = { a: 1, "b": 2 };\n');
      const config = ["--config", join(ROOT, ".prettierrc.json"), "--list-different"];
      // Prettier names a file relative to its working directory, the repository root.
      const refused = prettier([...config, messy]);
      expect(refused.exitCode).toBe(1);
      expect(refused.files.map((file) => resolve(ROOT, file))).toEqual([messy]);
      expect(prettier([...config, tidy])).toMatchObject({ exitCode: 0, files: [] });
    },
    CHECK_TIMEOUT_MS,
  );
});
