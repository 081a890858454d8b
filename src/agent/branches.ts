/**
 * Branch names from callers: tidied (trimmed, spaces to dashes), then held to a plain character
 * set and to `git check-ref-format --branch`, so a name is never an option, a path escape or a
 * string a shell would act on — and pull requests resolved to their branch with the GitHub CLI.
 */
import { checkBranchName, fetchRemoteBranch, hasOrigin, localBranchExists, remoteBranchExists, runGit, tagExists, type WorktreeBranch } from "./git.ts";
import { CommandError } from "./types.ts";

// Letters and digits of any script plus a few punctuation marks branch names really use.
const BRANCH_CHARACTERS = /^[\p{L}\p{N}._\-/+#=@,]+$/u;

/** `raw` tidied and checked as a branch name; throws CommandError("invalid") saying what to change. `what` names it in messages. */
export async function checkedBranchName(raw: string, repoPath: string, what = "branch"): Promise<string> {
  const name = raw.trim().replace(/\s+/g, "-");
  const refuse = (why: string): never => {
    throw new CommandError("invalid", `The ${what} name "${raw}" ${why}; use letters, digits and . _ - / such as feature/login.`);
  };
  if (name === "") refuse("is empty");
  if (name.startsWith("-")) refuse("starts with a dash");
  if (name.includes("..")) refuse("contains `..`");
  if (name.includes("@{")) refuse("contains `@{`");
  if (!BRANCH_CHARACTERS.test(name)) refuse("contains characters that are not allowed");
  const normalized = await checkBranchName(name, repoPath);
  if (normalized === undefined || normalized !== name) refuse("is not a valid git branch name");
  return name;
}

/** A branch name made from a workspace name: lower case, anything unusual turned into `-`. */
export function branchFromName(name: string): string {
  const branch = name
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}._/-]+/gu, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/\/{2,}/g, "/")
    .replace(/^[-./]+|[-./]+$/g, "")
    .replace(/\.lock$/, "")
    .slice(0, 100);
  if (branch === "") throw new CommandError("invalid", `The workspace name "${name}" gives no usable branch name; pass branch explicitly.`);
  return branch;
}

/** Refuses a branch that is really a tag, with a sentence saying so. */
export async function refuseTag(repoPath: string, branch: string): Promise<void> {
  if (await tagExists(repoPath, branch)) {
    throw new CommandError("invalid", `"${branch}" is a tag, not a branch; give a branch name (a new one forks from baseBranch or the default branch).`);
  }
}

/** How `git worktree add` should get `branch`: the local one, origin's (fetched if needed), or a new one from `base`. */
export async function worktreeBranchPlan(repoPath: string, branch: string, base: string): Promise<WorktreeBranch> {
  if (await localBranchExists(repoPath, branch)) return { kind: "existing" };
  if (await remoteBranchExists(repoPath, branch)) return { kind: "track" };
  // Branches pushed after the clone are not known locally yet; one targeted fetch finds them.
  if ((await hasOrigin(repoPath)) && (await fetchRemoteBranch(repoPath, branch))) return { kind: "track" };
  if (await localBranchExists(repoPath, base)) return { kind: "new", startPoint: `refs/heads/${base}` };
  if (await remoteBranchExists(repoPath, base)) return { kind: "new", startPoint: `refs/remotes/origin/${base}` };
  throw new CommandError("not_found", `The base branch "${base}" does not exist in ${repoPath}; give an existing baseBranch.`);
}

/** The head branch of pull request `pr`, from `gh pr view` in the project folder. */
export async function pullRequestBranch(repoPath: string, pr: number): Promise<string> {
  if (!Number.isInteger(pr) || pr <= 0) throw new CommandError("invalid", `The pull request number ${pr} is not a positive whole number; give the number shown on GitHub.`);
  // PATH is read now, not as the process started, so installing gh needs no agent restart.
  const gh = Bun.which("gh", { PATH: process.env.PATH ?? "" });
  if (gh === null) {
    throw new CommandError("unavailable", "The GitHub CLI (gh) is not installed on this host; install the GitHub CLI (gh) on host and run gh auth login, or pass branch instead of pr.");
  }
  const proc = Bun.spawn([gh, "pr", "view", String(pr), "--json", "headRefName"], {
    cwd: repoPath,
    env: { ...(process.env as Record<string, string>), GH_PROMPT_DISABLED: "1", GIT_TERMINAL_PROMPT: "0" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) {
    const reason = stderr.trim().split("\n").at(-1) ?? `gh exited with code ${code}`;
    throw new CommandError("failed", `gh could not find pull request #${pr}: ${reason}; check the number and that gh is logged in on this host.`);
  }
  let headRefName: unknown;
  try {
    headRefName = (JSON.parse(stdout) as { headRefName?: unknown }).headRefName;
  } catch {
    headRefName = undefined;
  }
  if (typeof headRefName !== "string" || headRefName === "") throw new CommandError("failed", `gh gave no branch for pull request #${pr}; pass branch instead of pr.`);
  return headRefName;
}

/** Makes a pull request from a fork checkable: its head is fetched into origin's branch of the same name when origin lacks it. */
export async function fetchPullRequestHead(repoPath: string, pr: number, branch: string): Promise<void> {
  if ((await localBranchExists(repoPath, branch)) || (await remoteBranchExists(repoPath, branch))) return;
  await runGit(["fetch", "--quiet", "--no-tags", "origin", `+refs/pull/${pr}/head:refs/remotes/origin/${branch}`], repoPath);
}
