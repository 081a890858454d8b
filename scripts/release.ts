// `npm run release`: builds `superset` for every platform we ship into dist/release/
// (superset-<os>-<arch>) plus a SHA256SUMS file that `sha256sum -c SHA256SUMS` checks.
//
// Bun cross-compiles by appending the bundle to a Bun runtime of the target platform. Left to
// itself it would download that runtime from GitHub; here the only reachable server is the npm
// registry, so the runtime comes from the @oven/bun-<os>-<arch> package of the very Bun version
// package.json pins (a different runtime version could mis-read the embedded bundle), cached
// in dist/bun-runtimes/ so later releases build offline. The host's own target uses the running
// bun itself.
import { $ } from "bun";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { codeSignatureProblem, withoutCodeSignature } from "./release-macho.ts";

/** One shipped platform: its file name suffix, Bun's --target, and the npm package of its runtime. */
interface ReleaseTarget {
  name: string;
  bunTarget: string;
  runtimePackage: string;
}

const TARGETS: ReleaseTarget[] = [
  { name: "linux-x64", bunTarget: "bun-linux-x64", runtimePackage: "@oven/bun-linux-x64" },
  { name: "linux-arm64", bunTarget: "bun-linux-arm64", runtimePackage: "@oven/bun-linux-aarch64" },
  { name: "darwin-arm64", bunTarget: "bun-darwin-arm64", runtimePackage: "@oven/bun-darwin-aarch64" },
  { name: "darwin-x64", bunTarget: "bun-darwin-x64", runtimePackage: "@oven/bun-darwin-x64" },
];

const ROOT = resolve(import.meta.dir, "..");
const RELEASE_DIR = join(ROOT, "dist/release");
const RUNTIME_CACHE = join(ROOT, "dist/bun-runtimes");

const pinnedBun: string = (await Bun.file(join(ROOT, "package.json")).json()).dependencies.bun;
if (pinnedBun !== Bun.version) {
  throw new Error(`npm run release runs on bun ${Bun.version} but package.json pins bun ${pinnedBun}: run "npm ci" first.`);
}

const hostName = `${process.platform}-${process.arch}`;

/** The Bun runtime to embed for `target`: the running bun on the host's own platform, else the cached npm package's binary. */
async function runtimeFor(target: ReleaseTarget): Promise<string> {
  if (target.name === hostName) return process.execPath;
  const dir = join(RUNTIME_CACHE, `${basename(target.runtimePackage)}-${pinnedBun}`);
  const binary = join(dir, "package/bin/bun");
  if (existsSync(binary)) return binary;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // npm pack checks the tarball against the registry's integrity hash before writing it.
  const tarball = (await $`npm pack ${`${target.runtimePackage}@${pinnedBun}`} --silent --pack-destination ${dir}`.text()).trim();
  await $`tar -xzf ${join(dir, tarball)} -C ${dir}`;
  await rm(join(dir, tarball));
  if (!existsSync(binary)) throw new Error(`${target.runtimePackage}@${pinnedBun} holds no package/bin/bun.`);
  return binary;
}

async function sha256(path: string): Promise<string> {
  return new Bun.CryptoHasher("sha256").update(await Bun.file(path).arrayBuffer()).digest("hex");
}

/**
 * Bun re-signs (ad hoc) what it builds for darwin-arm64, but leaves the darwin-x64 runtime's
 * original signature in place, which no longer matches the grown file: a mismatched signature
 * gets the process killed, no signature at all runs on x86_64, so a stale one is removed there.
 */
async function checkCodeSignature(target: ReleaseTarget, outfile: string): Promise<void> {
  const bytes = Buffer.from(await Bun.file(outfile).arrayBuffer());
  const problem = codeSignatureProblem(bytes);
  if (problem === undefined) return;
  if (target.name !== "darwin-x64") throw new Error(`superset-${target.name}: ${problem}; macOS would refuse to run it.`);
  await Bun.write(outfile, withoutCodeSignature(bytes));
  console.log(`superset-${target.name}: removed the runtime's code signature (${problem})`);
}

const started = performance.now();
await rm(RELEASE_DIR, { recursive: true, force: true });
await mkdir(RELEASE_DIR, { recursive: true });

const sums: string[] = [];
for (const target of TARGETS) {
  const targetStarted = performance.now();
  const runtime = await runtimeFor(target);
  const file = `superset-${target.name}`;
  const outfile = join(RELEASE_DIR, file);
  // The same flags as `npm run build`, so a release behaves like the binary the tests drive.
  await $`bun build --compile --minify --sourcemap src/main.ts --target=${target.bunTarget} --compile-executable-path=${runtime} --outfile ${outfile}`.cwd(ROOT).quiet();
  if (target.name.startsWith("darwin-")) await checkCodeSignature(target, outfile);
  sums.push(`${await sha256(outfile)}  ${file}`);
  const seconds = ((performance.now() - targetStarted) / 1000).toFixed(1);
  console.log(`${file}: ${(Bun.file(outfile).size / 1024 / 1024).toFixed(1)} MiB in ${seconds} s (runtime ${runtime === process.execPath ? "this bun" : target.runtimePackage}@${pinnedBun})`);
}

// bun writes a source map beside each executable; it is a build by-product, not part of the
// release, and SHA256SUMS must list exactly the files that ship.
for (const entry of await readdir(RELEASE_DIR)) if (entry.endsWith(".map")) await rm(join(RELEASE_DIR, entry));
await Bun.write(join(RELEASE_DIR, "SHA256SUMS"), `${sums.join("\n")}\n`);
console.log(`dist/release: ${TARGETS.length} executables and SHA256SUMS in ${((performance.now() - started) / 1000).toFixed(1)} s`);
