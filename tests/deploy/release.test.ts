/**
 * `npm run release`: one executable per shipped platform in dist/release/, each of the format its
 * platform loads, a SHA256SUMS that `sha256sum -c` accepts, macOS files whose code signature (if
 * any) matches their pages, checked byte by byte since no Mac runs here, and the file for this
 * machine serving /health. The @oven runtime packages stay cached
 * in dist/bun-runtimes/ between runs, so only the first run fetches from the npm registry.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createSandbox, type Sandbox } from "../helpers/binary.ts";
import { VERSION } from "../../src/version.ts";
import { codeSignatureProblem, isSigned } from "../../scripts/release-macho.ts";

// Four compiles of about 100 MiB each (plus, on a first run, four runtime downloads).
setDefaultTimeout(60_000);
const RELEASE_TIMEOUT_MS = 600_000;

const ROOT = resolve(import.meta.dir, "../..");
const RELEASE_DIR = join(ROOT, "dist/release");

/** What `file -b` must say about each release file. */
const FORMATS: Record<string, RegExp> = {
  "superset-linux-x64": /^ELF 64-bit LSB executable, x86-64/,
  "superset-linux-arm64": /^ELF 64-bit LSB executable, ARM aarch64/,
  "superset-darwin-arm64": /^Mach-O 64-bit arm64 executable/,
  "superset-darwin-x64": /^Mach-O 64-bit x86_64 executable/,
};

function run(cmd: string[], cwd = ROOT): { exitCode: number; output: string } {
  const result = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  return { exitCode: result.exitCode, output: `${result.stdout.toString()}${result.stderr.toString()}` };
}

describe("npm run release", () => {
  beforeAll(() => {
    const result = Bun.spawnSync(["npm", "run", "release"], { cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: RELEASE_TIMEOUT_MS });
    const output = `${result.stdout.toString()}${result.stderr.toString()}`;
    if (result.exitCode !== 0) throw new Error(`npm run release exited ${result.exitCode}:\n${output}`);
    console.log(output.trim());
  }, RELEASE_TIMEOUT_MS);

  test("builds one executable per platform, each in its platform's format", () => {
    for (const [name, format] of Object.entries(FORMATS)) {
      const { exitCode, output } = run(["file", "-b", join(RELEASE_DIR, name)]);
      expect(exitCode).toBe(0);
      expect(output, name).toMatch(format);
    }
  });

  test("SHA256SUMS lists exactly those files and sha256sum -c accepts it", () => {
    const listed = readFileSync(join(RELEASE_DIR, "SHA256SUMS"), "utf8").trim().split("\n");
    expect(listed.map((line) => line.split("  ")[1]).sort()).toEqual(Object.keys(FORMATS).sort());
    const { exitCode, output } = run(["sha256sum", "-c", "SHA256SUMS"], RELEASE_DIR);
    expect(exitCode, output).toBe(0);
    for (const name of Object.keys(FORMATS)) expect(output).toContain(`${name}: OK`);
  });

  test("darwin-arm64 carries a code signature that matches its pages; darwin-x64 one that matches, or none", () => {
    expect(codeSignatureProblem(readFileSync(join(RELEASE_DIR, "superset-darwin-arm64")))).toBeUndefined();
    const x64 = readFileSync(join(RELEASE_DIR, "superset-darwin-x64"));
    if (isSigned(x64)) expect(codeSignatureProblem(x64)).toBeUndefined();
  });

  describe(`the file for this machine (superset-${process.platform}-${process.arch})`, () => {
    let sandbox: Sandbox;

    beforeAll(async () => {
      sandbox = await createSandbox(join(RELEASE_DIR, `superset-${process.platform}-${process.arch}`));
    });

    afterAll(async () => {
      await sandbox?.dispose();
    });

    test("prints the version", async () => {
      const { exitCode, stdout, stderr } = await sandbox.run(["--version"]);
      expect(exitCode, stderr).toBe(0);
      expect(stdout.trim()).toBe(VERSION);
    });

    test("mcp run serves /health", async () => {
      const server = await sandbox.start();
      const response = await fetch(`http://127.0.0.1:${server.port}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok" });
    });
  });
});
