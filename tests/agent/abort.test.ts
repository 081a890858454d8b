/**
 * The server's `abort` over a real WebSocket (a stand-in server) to a real agent: a clone stuck
 * on a remote that never answers has its git processes killed and its folder removed, and no
 * project is left; a setup script and the child it started are killed and the half-made worktree
 * is undone; an abort of an unknown or finished id, and a frame type the agent does not know,
 * change nothing. Nothing more is answered for an aborted id, and the agent serves the next command.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive } from "../../src/agent/process-session.ts";
import { startHostAgent } from "../../src/agent/run.ts";
import type { Inventory, ServerFrame } from "../../src/hosts/protocol.ts";
import { gitSync, removeTempDirs, tempDir, writeFile } from "../helpers/git-repos.ts";
import { processesWith, startStuckRemote } from "../helpers/stuck-remote.ts";
import { standInServer } from "./stand-in-server.ts";
import { useEmptyHome } from "./terminal-helpers.ts";
import { eventually } from "../helpers/eventually.ts";

setDefaultTimeout(60_000);
useEmptyHome();
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  removeTempDirs();
});

const TOKEN = `sk_host_${"x".repeat(43)}`;

/** A stand-in server and a real agent connected to it. */
async function connectedAgent() {
  const server = standInServer();
  cleanups.push(() => server.stop());
  const dataDir = tempDir("superset-data-");
  const agent = startHostAgent({ serverUrls: [server.url], token: TOKEN, dataDir, hostId: crypto.randomUUID().replaceAll("-", ""), name: "abort-test" });
  cleanups.push(() => agent.stop());
  await server.waitFor("hello");
  let next = 0;
  /** Sends a command and waits for its result. */
  async function run(name: string, params: unknown) {
    const id = `c-${++next}`;
    server.send({ type: "command", id, name, params } as ServerFrame);
    return eventually(`the result of ${name}`, () => server.of("result").find((frame) => frame.id === id));
  }
  const inventory = async () => ((await run("inventory", {})) as { result: Inventory }).result;
  return { server, dataDir, run, inventory };
}

/** A repository whose setup script starts a long child and writes both pids to `pidFile`, then waits for the child. */
function repoWithSlowSetup(pidFile: string): string {
  const dir = tempDir("superset-setup-repo-");
  gitSync(dir, ["init", "--quiet", "--initial-branch=main"]);
  writeFile(dir, ".superset/setup.sh", `sleep 600 &\necho "$$ $!" > ${pidFile}\nwait\n`);
  gitSync(dir, ["add", "--all"]);
  gitSync(dir, ["commit", "--quiet", "-m", "First commit"]);
  return dir;
}

describe.skipIf(process.platform !== "linux")("abort", () => {
  test("an aborted clone kills git, removes its folder, leaves no project and answers nothing; the next command is served", async () => {
    const { server, dataDir, run, inventory } = await connectedAgent();
    const stuck = startStuckRemote();
    cleanups.push(() => stuck.stop());
    const remote = { url: stuck.url("stuck") };
    const target = join(dataDir, "projects", "stuck");
    server.send({ type: "command", id: "clone-1", name: "project.create", params: { projectId: "p-stuck", gitUrl: remote.url, name: "stuck" } });
    await eventually("the clone to reach the remote", () => (stuck.requests > 0 ? true : undefined));
    const pids = processesWith(remote.url);
    expect(pids.length).toBeGreaterThan(0);
    expect(existsSync(target)).toBe(true);

    server.send({ type: "abort", id: "clone-1" });
    await eventually("the clone's processes to end", () => (pids.every((pid) => !isProcessAlive(pid)) ? true : undefined));
    await eventually("the partial clone to be removed", () => (existsSync(target) ? undefined : true));
    expect((await inventory()).projects).toEqual([]);

    const local = repoWithSlowSetup(join(tempDir(), "unused"));
    const imported = (await run("project.create", { projectId: "p-next", localPath: local })) as { ok: boolean };
    expect(imported.ok).toBe(true);
    expect(server.of("result").filter((frame) => frame.id === "clone-1")).toEqual([]);
    expect((await inventory()).projects.map((project) => project.id)).toEqual(["p-next"]);
  });

  test("an aborted setup script is killed with its child, and the half-made worktree is undone", async () => {
    const { server, dataDir, run, inventory } = await connectedAgent();
    const pidFile = join(tempDir(), "setup.pids");
    const repo = repoWithSlowSetup(pidFile);
    expect(((await run("project.create", { projectId: "p-1", localPath: repo })) as { ok: boolean }).ok).toBe(true);
    const params = { workspaceId: "w-1", projectId: "p-1", name: "feature", branch: "feature/slow-setup", createdByUserId: "u-1" };
    server.send({ type: "command", id: "ws-1", name: "workspace.create", params });
    const pids = await eventually("the setup script to start its child", () => {
      const text = existsSync(pidFile) ? readFileSync(pidFile, "utf8").trim() : "";
      return /^\d+ \d+$/.test(text) ? text.split(" ").map(Number) : undefined;
    });
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(true);
    const worktree = join(dataDir, "worktrees", "p-1", "feature", "slow-setup");
    expect(existsSync(join(worktree, ".superset", "setup.sh"))).toBe(true);

    server.send({ type: "abort", id: "ws-1" });
    await eventually("the script and its child to end", () => (pids.every((pid) => !isProcessAlive(pid)) ? true : undefined));
    // The undo closes the terminals, removes the worktree and then the record: the record going is its last step.
    await eventually("the workspace record to be removed", async () => !(await inventory()).workspaces.some((workspace) => workspace.id === "w-1"));
    expect(existsSync(worktree)).toBe(false);
    expect((await inventory()).terminals).toEqual([]);
    expect(server.of("result").filter((frame) => frame.id === "ws-1")).toEqual([]);
    expect(gitSync(repo, ["worktree", "list"])).not.toContain("slow-setup");
    // The branch stays, as on delete.
    expect(gitSync(repo, ["branch", "--list", "feature/slow-setup"])).toContain("feature/slow-setup");
  });

  test("an abort of an unknown or finished id and a frame of an unknown type change nothing", async () => {
    const { server, run, inventory } = await connectedAgent();
    const first = await inventory();
    server.send({ type: "abort", id: "never-sent" });
    server.send({ type: "abort", id: "c-1" });
    // What an agent older than `abort` sees: a frame it does not know, which it drops.
    (server as unknown as { send(frame: unknown): void }).send({ type: "from-the-future", id: "x" });
    const repo = repoWithSlowSetup(join(tempDir(), "unused"));
    expect(((await run("project.create", { projectId: "p-1", localPath: repo })) as { ok: boolean }).ok).toBe(true);
    expect((await inventory()).projects.length).toBe(first.projects.length + 1);
  });
});
