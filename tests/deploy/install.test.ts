/**
 * What `npm install` / `npm ci` of a checkout gives and asks for, read from package.json and the
 * lockfile the way npm reads them (a fresh `npm ci` takes minutes and the registry, so the notes
 * describe that check): `npx superset` runs the CLI, the Node floor in `engines` admits every
 * locked package (npm's EBADENGINE warning), with no exception: a client CLI that declares a
 * newer Node is installed at test time by tests/helpers/npm-tools.ts instead of being locked here;
 * and every install script was reviewed in `allowScripts` (npm 11's "not yet covered by
 * allowScripts" warning).
 */
import { expect, test } from "bun:test";
import { accessSync, constants, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { VERSION } from "../../src/version.ts";

const ROOT = resolve(import.meta.dir, "../..");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));

interface LockedPackage {
  version: string;
  engines?: { node?: string };
  hasInstallScript?: boolean;
}
const locked = Object.entries(lock.packages as Record<string, LockedPackage>)
  .filter(([path]) => path !== "")
  .map(([path, entry]) => ({ name: path.replace(/^.*node_modules\//, ""), ...entry }));

test("package.json names the superset bin, and npx superset runs it", () => {
  expect(manifest.bin).toEqual({ superset: "src/main.ts" });
  const main = join(ROOT, manifest.bin.superset);
  expect(readFileSync(main, "utf8").split("\n")[0]).toBe("#!/usr/bin/env bun");
  accessSync(main, constants.X_OK);
  const npx = Bun.spawnSync(["npx", "superset", "--version"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  expect(npx.exitCode, npx.stderr.toString()).toBe(0);
  expect(npx.stdout.toString().trim()).toBe(VERSION);
});

test("the Node floor in engines admits every locked package's engines.node", () => {
  const floor = /^>=(\d+\.\d+\.\d+)$/.exec(manifest.engines.node)?.[1];
  expect(floor, `engines.node is "${manifest.engines.node}"`).toBeDefined();
  const refusing = locked.filter((entry) => entry.engines?.node && !Bun.semver.satisfies(floor!, entry.engines.node)).map((entry) => `${entry.name}@${entry.version}`);
  expect(refusing).toEqual([]);
});

test("every locked package with an install script is approved or denied in allowScripts", () => {
  // By name, not name@version: npm pins an approval only to a lockfile entry with a "resolved"
  // URL, and lockfiles written with omit-lockfile-registry-resolved have none.
  const reviewed = new Set(Object.keys(manifest.allowScripts));
  const unreviewed = locked.filter((entry) => entry.hasInstallScript && !reviewed.has(entry.name)).map((entry) => entry.name);
  expect(unreviewed).toEqual([]);
});
