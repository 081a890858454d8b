/**
 * Git, run only as argument vectors (`Bun.spawn`, never a shell) with prompts disabled, so a
 * caller's branch or URL is always one argument and a missing credential fails instead of hanging.
 */
import { endSession } from "./process-session.ts";
import { CommandError, throwIfAborted, type ProgressReporter } from "./types.ts";

/** What one git run produced. */
export interface GitOutput {
  code: number;
  stdout: string;
  stderr: string;
}

function gitEnv(): Record<string, string> {
  // The host's own credentials are used as they are; only git's own prompt is off, so a missing one fails instead of hanging.
  return { ...(process.env as Record<string, string>), GIT_TERMINAL_PROMPT: "0" };
}

/** How long git's processes get to exit after SIGHUP on an abort before they are killed outright. */
const ABORT_GRACE_MS = 2_000;

/**
 * Runs `git <args>` in `cwd`; `onStderr` sees stderr as it arrives (for clone progress). Never
 * throws on a non-zero exit. With `signal`, git runs in a session of its own, and an abort ends
 * that whole session (git and the helpers it spawned: remote-https, upload-pack, index-pack) and
 * returns only once all of it is gone, so the caller may remove what git was writing.
 */
export async function runGit(args: string[], cwd?: string, onStderr?: (chunk: string) => void, signal?: AbortSignal): Promise<GitOutput> {
  throwIfAborted(signal);
  let proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn(["git", ...args], { cwd, env: gitEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: signal !== undefined });
  } catch (error) {
    throw new CommandError("unavailable", `Git could not be started${cwd ? ` in ${cwd}` : ""} (${(error as Error).message}); check that git is installed and the folder exists.`);
  }
  let ended: Promise<void> | undefined;
  const abort = () => void (ended = endSession(proc.pid, ABORT_GRACE_MS));
  signal?.addEventListener("abort", abort, { once: true });
  try {
    return await collect(proc, onStderr);
  } finally {
    signal?.removeEventListener("abort", abort);
    await ended;
  }
}

async function collect(proc: Bun.Subprocess<"ignore", "pipe", "pipe">, onStderr?: (chunk: string) => void): Promise<GitOutput> {
  const stdoutText = new Response(proc.stdout).text();
  let stderr = "";
  const decoder = new TextDecoder();
  const reader = proc.stderr.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    const text = decoder.decode(chunk.value, { stream: true });
    stderr += text;
    onStderr?.(text);
  }
  const code = await proc.exited;
  return { code, stdout: await stdoutText, stderr };
}

/** The last meaningful line git printed, to quote in an error sentence. */
export function lastGitMessage(output: GitOutput): string {
  const lines = output.stderr
    .split(/[\r\n]+/)
    .map((line) => line.trim())
    .filter(Boolean);
  return (lines.at(-1) ?? `git exited with code ${output.code}`).replace(/^(fatal|error): /, "");
}

/** Runs git and returns trimmed stdout; a non-zero exit throws CommandError(code) saying `doing` and git's reason. */
export async function git(args: string[], cwd: string | undefined, doing: string, code: "failed" | "invalid" | "conflict" = "failed"): Promise<string> {
  const output = await runGit(args, cwd);
  if (output.code !== 0) throw new CommandError(code, `Could not ${doing}: ${lastGitMessage(output)}.`);
  return output.stdout.trim();
}

/** Whether git answers 0 for `args`. */
async function succeeds(args: string[], cwd: string): Promise<boolean> {
  return (await runGit(args, cwd)).code === 0;
}

// Clone phases and the share of the whole each one takes, so progress only moves forward.
const CLONE_PHASES: Array<{ pattern: RegExp; start: number; span: number }> = [
  { pattern: /^remote: (?:Counting|Compressing|Enumerating) objects:\s+(\d+)%/, start: 0, span: 10 },
  { pattern: /^Receiving objects:\s+(\d+)%/, start: 10, span: 70 },
  { pattern: /^Resolving deltas:\s+(\d+)%/, start: 80, span: 15 },
  { pattern: /^Updating files:\s+(\d+)%/, start: 95, span: 5 },
];

/** Turns `git clone --progress` stderr into progress reports out of 100. */
export function cloneProgressParser(progress: ProgressReporter): (chunk: string) => void {
  let pending = "";
  let reported = -1;
  return (chunk) => {
    pending += chunk;
    const lines = pending.split(/[\r\n]/);
    pending = lines.pop() ?? "";
    for (const line of lines) {
      for (const phase of CLONE_PHASES) {
        const match = phase.pattern.exec(line.trim());
        if (!match) continue;
        // 100 is kept for the end of the clone, so the last report is always a step forward.
        const overall = Math.min(99, Math.floor(phase.start + (phase.span * Number(match[1])) / 100));
        if (overall > reported) {
          reported = overall;
          progress(overall, 100, line.trim());
        }
      }
    }
  };
}

/** `git clone --progress -- url target`, stopped when `signal` aborts; the caller removes `target` on failure or abort. */
export async function cloneRepository(url: string, target: string, progress: ProgressReporter, signal?: AbortSignal): Promise<void> {
  progress(0, 100, `Cloning ${url}`);
  // ext:: runs a command by design; it is off by default, and stays off whatever the host's config says.
  const output = await runGit(["-c", "protocol.ext.allow=never", "clone", "--progress", "--", url, target], undefined, cloneProgressParser(progress), signal);
  throwIfAborted(signal);
  if (output.code !== 0) throw new CommandError("failed", `Could not clone ${url}: ${lastGitMessage(output)}; check the URL and this host's git credentials.`);
  progress(100, 100, "Clone complete");
}

/** origin/HEAD's branch, else the current branch, else `main`. */
export async function defaultBranch(repoPath: string): Promise<string> {
  const remoteHead = await runGit(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], repoPath);
  if (remoteHead.code === 0 && remoteHead.stdout.trim().startsWith("origin/")) return remoteHead.stdout.trim().slice("origin/".length);
  return (await currentBranch(repoPath)) ?? "main";
}

/** The checked-out branch (also in a repository with no commits yet); undefined when HEAD is detached. */
export async function currentBranch(repoPath: string): Promise<string | undefined> {
  const head = await runGit(["symbolic-ref", "--quiet", "--short", "HEAD"], repoPath);
  return head.code === 0 && head.stdout.trim() ? head.stdout.trim() : undefined;
}

/** The top folder of the repository containing `path`; undefined when it is not in one. */
export async function repositoryRoot(path: string): Promise<string | undefined> {
  const output = await runGit(["rev-parse", "--show-toplevel"], path);
  return output.code === 0 ? output.stdout.trim() : undefined;
}

/** Whether the repository has at least one commit. */
export function hasCommits(repoPath: string): Promise<boolean> {
  return succeeds(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], repoPath);
}

/** `git check-ref-format --branch`: the normalized name, or undefined when git refuses it. */
export async function checkBranchName(name: string, cwd: string): Promise<string | undefined> {
  const output = await runGit(["check-ref-format", "--branch", name], cwd);
  return output.code === 0 ? output.stdout.trim() : undefined;
}

/** refs/heads/<branch> exists. */
export function localBranchExists(repoPath: string, branch: string): Promise<boolean> {
  return succeeds(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], repoPath);
}

/** refs/remotes/origin/<branch> exists. */
export function remoteBranchExists(repoPath: string, branch: string): Promise<boolean> {
  return succeeds(["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${branch}^{commit}`], repoPath);
}

/** refs/tags/<name> exists. */
export function tagExists(repoPath: string, name: string): Promise<boolean> {
  return succeeds(["rev-parse", "--verify", "--quiet", `refs/tags/${name}`], repoPath);
}

/** Whether the repository has a remote named origin. */
export async function hasOrigin(repoPath: string): Promise<boolean> {
  return succeeds(["remote", "get-url", "origin"], repoPath);
}

/** Best effort: fetch one branch from origin into refs/remotes/origin/<branch>; false when it is not there or the network fails. */
export async function fetchRemoteBranch(repoPath: string, branch: string): Promise<boolean> {
  return succeeds(["fetch", "--quiet", "--no-tags", "origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`], repoPath);
}

/** One entry of `git worktree list --porcelain`. */
export interface WorktreeEntry {
  path: string;
  /** Short branch name; undefined for a detached or bare worktree. */
  branch?: string;
}

/** Every worktree git knows for the repository (the main folder first). */
export async function listWorktrees(repoPath: string): Promise<WorktreeEntry[]> {
  const output = await git(["worktree", "list", "--porcelain"], repoPath, "list the worktrees");
  const entries: WorktreeEntry[] = [];
  for (const block of output.split(/\n\n+/)) {
    const lines = block.split("\n");
    const path = lines.find((line) => line.startsWith("worktree "))?.slice("worktree ".length);
    if (!path) continue;
    const ref = lines.find((line) => line.startsWith("branch "))?.slice("branch ".length);
    entries.push({ path, branch: ref?.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : undefined });
  }
  return entries;
}

/** How `addWorktree` gets its branch: a new one from a start point, an existing local one, or a new one tracking origin's. */
export type WorktreeBranch = { kind: "new"; startPoint: string } | { kind: "existing" } | { kind: "track" };

/** `git worktree add` at `path` for `branch`. */
export async function addWorktree(repoPath: string, path: string, branch: string, how: WorktreeBranch): Promise<void> {
  const args =
    how.kind === "new"
      ? ["worktree", "add", "--no-track", "-b", branch, "--", path, how.startPoint]
      : how.kind === "track"
        ? ["worktree", "add", "--track", "-b", branch, "--", path, `origin/${branch}`]
        : ["worktree", "add", "--", path, branch];
  await git(args, repoPath, `create the worktree for branch ${branch}`, "conflict");
}

/** `git worktree remove --force`, then prune so a folder deleted by hand is forgotten too. */
export async function removeWorktree(repoPath: string, path: string): Promise<GitOutput> {
  const output = await runGit(["worktree", "remove", "--force", "--", path], repoPath);
  await runGit(["worktree", "prune"], repoPath);
  return output;
}

/** `git init` (on `initialBranch` when given). */
export async function initRepository(path: string, initialBranch?: string): Promise<void> {
  const args = initialBranch ? ["init", "--quiet", `--initial-branch=${initialBranch}`] : ["init", "--quiet"];
  await git(args, path, `run git init in ${path}`);
}

/** An empty initial commit; an identity is supplied only where the host has none, and signing is off so nothing prompts. */
export async function commitInitial(path: string): Promise<void> {
  const identity: string[] = [];
  if (!(await succeeds(["config", "user.name"], path))) identity.push("-c", "user.name=Superset");
  if (!(await succeeds(["config", "user.email"], path))) identity.push("-c", "user.email=superset@localhost");
  await git([...identity, "-c", "commit.gpgsign=false", "commit", "--quiet", "--allow-empty", "-m", "Initial commit"], path, `make the initial commit in ${path}`);
}
