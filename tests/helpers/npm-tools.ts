/**
 * Real client CLIs from npm (the MCP Inspector, Claude Code, Codex, Gemini CLI, opencode),
 * installed at test time instead of locked in package.json: their releases declare a newer Node
 * than the project's floor, and as devDependencies they would print EBADENGINE warnings in every
 * user's `npm install`. Here those warnings land in the test log only.
 *
 * Each pinned `name@version` is installed once, with install scripts off, into
 * node_modules/.cache/superset-test-tools/<name>@<version>/ (git-ignored, and gone with the next
 * `npm ci`). An install goes to a staging folder that is renamed into place when complete, so a
 * test file never sees half an install and two test runs installing at once (worktrees share
 * node_modules) both end with one complete copy.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runProcess } from "./run-process.ts";

const CACHE_ROOT = resolve(import.meta.dir, "../../node_modules/.cache/superset-test-tools");
/** A cold install of a large CLI on a busy 2-core machine takes about a minute; past this it is hung. */
const INSTALL_TIMEOUT_MS = 5 * 60_000;
const NAME_PATTERN = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
/** An exact version, never a range: the cache folder is named after it and must mean one release. */
const VERSION_PATTERN = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const BIN_PATTERN = /^[A-Za-z0-9._-]+$/;
const MAX_NAME_LENGTH = 214; // npm's own limit on a package name

const installs = new Map<string, Promise<string | undefined>>();

/**
 * The path of `bin` from the npm package `name@version` (an exact version), installed on first use.
 * When the install fails (offline, registry down) it throws under CI=true; otherwise it warns why
 * and resolves to undefined, for the caller's `describe.skipIf`. A package without that bin throws.
 */
export async function npmTool(name: string, version: string, bin: string): Promise<string | undefined> {
  if (bin.length > MAX_NAME_LENGTH || !BIN_PATTERN.test(bin)) throw new Error(`npmTool: "${bin}" is not a bin name`);
  const dir = await installed(name, version);
  return dir && existingFile(dir, join(".bin", bin), `${name}@${version}`);
}

/**
 * A file of the installed `name@version`'s node_modules, e.g. the native binary of a platform
 * package (`@anthropic-ai/claude-code-linux-x64/claude`): CLIs whose bin is only a launcher that
 * their install script would have set up (install scripts stay off here) are run through it.
 */
export async function npmPackageFile(name: string, version: string, file: string): Promise<string | undefined> {
  if (file.length > 1000 || file.split("/").some((part) => part === ".." || part === "") || file.startsWith("/")) throw new Error(`npmPackageFile: "${file}" is not a path inside node_modules`);
  const dir = await installed(name, version);
  return dir && existingFile(dir, file, `${name}@${version}`);
}

function existingFile(dir: string, file: string, spec: string): string {
  const path = join(dir, "node_modules", file);
  if (!existsSync(path)) throw new Error(`[npm-tools] ${spec} in ${dir} has no ${file}`);
  return path;
}

/** The folder `name@version` is installed in (installed on first use), or undefined when it could not be installed outside CI. */
function installed(name: string, version: string): Promise<string | undefined> {
  if (name.length > MAX_NAME_LENGTH || !NAME_PATTERN.test(name)) throw new Error(`npmTool: "${name}" is not an npm package name`);
  if (!VERSION_PATTERN.test(version)) throw new Error(`npmTool: "${version}" is not an exact version (pin one release, e.g. 2.12.0)`);
  const spec = `${name}@${version}`;
  let install = installs.get(spec);
  if (!install) {
    install = installOnce(spec);
    installs.set(spec, install);
  }
  return install;
}

async function installOnce(spec: string): Promise<string | undefined> {
  // A scoped name's "/" would nest folders; "+" cannot occur in a package name.
  const dir = join(CACHE_ROOT, spec.replace("/", "+"));
  if (!existsSync(dir)) {
    const failure = await install(spec, dir);
    if (failure) {
      const message = `[npm-tools] ${spec} could not be installed: ${failure}`;
      if (process.env.CI === "true") throw new Error(message);
      console.warn(`${message}\n[npm-tools] the tests that need it are skipped; CI installs it and runs them.`);
      return undefined;
    }
  }
  return dir;
}

/** Installs `spec` into `dir` through a staging folder; the reason it failed, or undefined. */
async function install(spec: string, dir: string): Promise<string | undefined> {
  const npm = Bun.which("npm");
  if (!npm) return "npm is not on PATH";
  await mkdir(CACHE_ROOT, { recursive: true });
  const staging = await mkdtemp(join(CACHE_ROOT, ".staging-"));
  try {
    // --prefix makes the staging folder the project (no package.json is written: --no-save).
    // npm's default retries back off for minutes per request offline; one short retry lets it
    // fall back to its cache, or give up, within seconds.
    const options = [
      "--prefix",
      staging,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--loglevel=warn",
      "--fetch-retries=1",
      "--fetch-retry-mintimeout=2000",
      "--fetch-retry-maxtimeout=5000",
    ];
    const { exitCode, stdout, stderr } = await runProcess([npm, "install", ...options, spec], { cwd: staging, env: npmEnvironment(), timeoutMs: INSTALL_TIMEOUT_MS });
    const output = `${stderr}${stdout}`.trim();
    if (exitCode !== 0) return `npm install exited ${exitCode}${output ? `:\n${output}` : ""}`;
    // The engine warnings a newer-Node CLI brings belong here, in the test log.
    if (output) console.warn(`[npm-tools] npm install ${spec}:\n${output}`);
    try {
      await rename(staging, dir);
    } catch (error) {
      // Another run renamed its complete copy into place first: use that one.
      if (!existsSync(dir)) throw error;
    }
    return undefined;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * This process's environment without npm's exports: under `npm test` npm hands the project's
 * settings to the child as npm_config_* variables, and a child npm reads those as its own options.
 */
function npmEnvironment(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(config|package|lifecycle)_/i.test(key)));
}
