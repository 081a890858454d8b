/**
 * Real git repositories in temporary folders for the host agent's tests: a bare "remote" with a
 * default branch, an extra branch and a tag, cloned through a file:// URL like any other remote.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "./temp-dirs.ts";

// The machine running the tests may have no git identity and may sign commits by default.
const IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"];

/** Runs git synchronously (argument vector) and returns trimmed stdout; a failure throws with git's stderr. */
export function gitSync(cwd: string, args: string[]): string {
  const result = Bun.spawnSync(["git", ...IDENTITY, ...args], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" }, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${result.stderr.toString()}`);
  return result.stdout.toString().trim();
}

/** The one temp-folder helper, re-exported for the agent tests that take it from here. */
export { removeTempDirs, tempDir } from "./temp-dirs.ts";

/** Writes `content` at `path` inside `root`, making folders as needed. */
export function writeFile(root: string, path: string, content: string, mode?: number): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content, mode === undefined ? undefined : { mode });
}

/** A bare repository to clone from. */
export interface TestRemote {
  /** The bare repository's folder. */
  path: string;
  /** `file://` URL of the bare repository. */
  url: string;
  defaultBranch: string;
  /** A branch besides the default one, with one more commit. */
  extraBranch: string;
  tag: string;
  /** Commit of a branch (or any rev) in the remote. */
  revParse(rev: string): string;
  /** Makes a new branch in the remote, at the default branch. */
  addBranch(name: string): void;
}

export interface TestRemoteOptions {
  defaultBranch?: string;
  /** Folder name of the bare repository, e.g. `widget.git`. */
  name?: string;
  /** Files committed on the default branch, path → content. */
  files?: Record<string, string>;
}

/** A bare remote: the default branch with a README (and `files`), `feature/existing` one commit ahead, tag `v1.0`. */
export function makeRemote(options: TestRemoteOptions = {}): TestRemote {
  const defaultBranch = options.defaultBranch ?? "main";
  const root = tempDir("superset-remote-");
  const work = join(root, "work");
  mkdirSync(work);
  gitSync(work, ["init", "--quiet", `--initial-branch=${defaultBranch}`]);
  writeFile(work, "README.md", "# test repository\n");
  for (const [path, content] of Object.entries(options.files ?? {})) writeFile(work, path, content);
  gitSync(work, ["add", "--all"]);
  gitSync(work, ["commit", "--quiet", "-m", "First commit"]);
  gitSync(work, ["tag", "v1.0"]);
  const extraBranch = "feature/existing";
  gitSync(work, ["checkout", "--quiet", "-b", extraBranch]);
  writeFile(work, "feature.txt", "feature work\n");
  gitSync(work, ["add", "feature.txt"]);
  gitSync(work, ["commit", "--quiet", "-m", "Feature commit"]);
  gitSync(work, ["checkout", "--quiet", defaultBranch]);
  const path = join(root, options.name ?? "widget.git");
  gitSync(root, ["clone", "--quiet", "--bare", work, path]);
  return {
    path,
    url: `file://${path}`,
    defaultBranch,
    extraBranch,
    tag: "v1.0",
    revParse: (rev) => gitSync(path, ["rev-parse", rev]),
    addBranch: (name) => void gitSync(path, ["branch", name, defaultBranch]),
  };
}

/** A plain (non-bare) repository with one commit on `main`, for imports. */
export function makeLocalRepo(): string {
  const dir = tempDir("superset-local-");
  gitSync(dir, ["init", "--quiet", "--initial-branch=main"]);
  writeFile(dir, "src/index.ts", "export {};\n");
  gitSync(dir, ["add", "--all"]);
  gitSync(dir, ["commit", "--quiet", "-m", "First commit"]);
  return dir;
}
