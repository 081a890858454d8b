/**
 * What happens when things break: an agent killed in the middle of a command and started again
 * finishes it once; a command re-sent after its answer is answered from the agent's journal; and
 * two organizations' hosts never see each other.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ServerWebSocket } from "bun";
import { callTool } from "../../src/mcp/tool-calls.ts";
import type { Actor } from "../../src/services/actor.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";
import { DEV_USERNAME, initialize, toolResult } from "../helpers/app.ts";
import { actorFor, createTeam } from "../helpers/fixtures.ts";
import { gitSync, makeRemote, removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { agentProcess, listeningApp, randomHostId, registerHost, tempDataDir, type ListeningApp } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";

setDefaultTimeout(90_000);
afterAll(() => removeTempDirs());

/** An empty HOME, so the shells the host starts do not depend on this machine's rc files. */
const quietHome = () => ({ HOME: tempDir("superset-home-") });

async function hostTool(t: ListeningApp, session: string, name: string, args: Record<string, unknown>) {
  const result = await toolResult(t.app, name, args, session);
  return { ...result, value: result.structuredContent as Record<string, any>, text: result.content[0]!.text };
}

async function isOnline(t: ListeningApp, session: string, hostId: string): Promise<boolean> {
  const hosts = (await hostTool(t, session, "hosts_list", {})).value.result as { id: string; online: boolean }[];
  return hosts.some((host) => host.id === hostId && host.online);
}

describe("an agent killed mid-command", () => {
  test("is started again, gets the command again, and finishes it once", async () => {
    const marks = join(tempDir("superset-marks-"), "setup.log");
    // A setup slow enough to kill the agent during it; it records when it starts and when it ends.
    const remote = makeRemote({ files: { ".superset/setup.sh": `echo start >> ${marks}\nsleep 2\necho done >> ${marks}\n` } });
    const t = await listeningApp();
    const session = await initialize(t.app);
    const token = await registerHost(t.services, await actorFor(t.services, DEV_USERNAME));
    const options = { baseUrl: t.baseUrl, token, dataDir: tempDataDir(), hostId: randomHostId(), env: quietHome() };
    const first = agentProcess(options);
    await eventually("the first agent", () => isOnline(t, session, options.hostId));
    const { project } = (await hostTool(t, session, "projects_create", { hostId: options.hostId, gitUrl: remote.url })).value;

    const pending = hostTool(t, session, "workspaces_create", { hostId: options.hostId, projectId: project.id, name: "slow", branch: "slow" });
    await eventually("the setup to start", () => existsSync(marks));
    await first.kill();
    const second = agentProcess(options);
    const created = await pending;
    expect(created.isError, created.text).toBeUndefined();
    expect(created.value.workspace).toMatchObject({ branch: "slow", worktreeExists: true });

    // One worktree, one workspace, and the setup that was cut short ran to its end once.
    const worktrees = gitSync(project.repoPath, ["worktree", "list", "--porcelain"])
      .split("\n")
      .filter((line) => line === "branch refs/heads/slow");
    expect(worktrees).toHaveLength(1);
    const listed = (await hostTool(t, session, "workspaces_list", { hostId: options.hostId })).value.result.filter((item: { branch: string }) => item.branch === "slow");
    expect(listed).toHaveLength(1);
    const lines = readFileSync(marks, "utf8").split("\n");
    // Started twice (the kill cut the first run short, and its process died with the agent), finished once.
    expect(lines.filter((line) => line === "start")).toHaveLength(2);
    expect(lines.filter((line) => line === "done")).toHaveLength(1);
    await second.stop();
    await t.stop();
  });
});

describe("a command sent again after it was answered", () => {
  test("gets the first answer from the journal, and the work is not done twice", async () => {
    const dataDir = tempDataDir();
    const command = { type: "command", id: crypto.randomUUID(), name: "workspace.create", params: { workspaceId: crypto.randomUUID(), name: "scratch", createdByUserId: crypto.randomUUID() } };
    const results: unknown[] = [];
    const hellos: { inventory: { workspaces: unknown[] } }[] = [];
    // A stand-in server: welcomes the agent, sends the command, drops the socket after the answer, and sends it again.
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request, srv) => (srv.upgrade(request) ? undefined : new Response("upgrade", { status: 400 })),
      websocket: {
        message(ws: ServerWebSocket, raw) {
          const frame = JSON.parse(String(raw));
          if (frame.type === "hello") {
            hellos.push(frame);
            ws.send(JSON.stringify({ type: "welcome", hostId: frame.hostId, organizationId: crypto.randomUUID(), heartbeatSeconds: 15 }));
            ws.send(JSON.stringify(command));
          }
          if (frame.type === "result") {
            results.push(frame);
            if (results.length === 1) ws.close(1012, "restarting");
          }
        },
      },
    });
    const agent = agentProcess({ baseUrl: `http://127.0.0.1:${server.port}`, token: `sk_host_${"x".repeat(43)}`, dataDir, env: quietHome() });
    await eventually("two answers", () => results.length >= 2, 30_000);
    expect(results[1]).toEqual(results[0]);
    expect((results[0] as { ok: boolean }).ok).toBe(true);
    expect(readdirSync(join(dataDir, "sessions"))).toEqual([command.params.workspaceId]);
    expect(hellos[1]!.inventory.workspaces).toHaveLength(1);
    await agent.stop();
    server.stop(true);
  });
});

describe("two organizations", () => {
  test("never see each other's hosts, projects or workspaces", async () => {
    const t = await listeningApp();
    const session = await initialize(t.app);
    const dev = await actorFor(t.services, DEV_USERNAME);
    const other = await createTeam(t.services, "other");
    const ours = agentProcess({ baseUrl: t.baseUrl, token: await registerHost(t.services, dev, "our-box"), env: quietHome() });
    const theirs = agentProcess({ baseUrl: t.baseUrl, token: await registerHost(t.services, other.owner, "their-box"), env: quietHome() });
    await eventually("both hosts", () => t.hosts.hub.onlineCount() === 2);

    // The other organization's owner makes a session workspace on their host, through the same tools.
    const asTheirOwner = (name: string, args: Record<string, unknown>) =>
      callTool(
        ALL_TOOLS.find((tool) => tool.name === name)!,
        args,
        contextOf(t, other.owner),
      );
    const made = await asTheirOwner("workspaces_create", { hostId: theirs.hostId, name: "their secret work" });
    expect(made.isError).toBeUndefined();
    const theirWorkspace = (made.structuredContent as { workspace: { id: string } }).workspace;

    const hosts = (await hostTool(t, session, "hosts_list", {})).value.result;
    expect(hosts.map((host: { id: string }) => host.id)).toEqual([ours.hostId]);
    for (const [name, args] of [
      ["workspaces_list", { hostId: theirs.hostId }],
      ["projects_create", { hostId: theirs.hostId, localPath: "/tmp", initIfNeeded: true }],
      ["terminals_create", { hostId: theirs.hostId, workspaceId: theirWorkspace.id }],
      ["workspaces_delete", { hostId: theirs.hostId, id: theirWorkspace.id }],
    ] as const) {
      const refused = await hostTool(t, session, name, args);
      expect(refused.text).toStartWith(`Host "${theirs.hostId}" not found in organization`);
    }
    // Their workspace id on our own host is simply unknown there.
    const unknown = await hostTool(t, session, "workspaces_delete", { hostId: ours.hostId, id: theirWorkspace.id });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).not.toContain("their secret work");

    const theirList = await asTheirOwner("workspaces_list", { hostId: theirs.hostId });
    expect((theirList.structuredContent as { result: { id: string }[] }).result.map((item) => item.id)).toContain(theirWorkspace.id);
    await ours.stop();
    await theirs.stop();
    await t.stop();
  });
});

function contextOf(t: ListeningApp, actor: Actor) {
  return {
    services: t.services,
    actor,
    scopes: ["mcp:read", "mcp:write"],
    runtime: { startedAtMs: Date.now(), store: "memory" as const, schedulerRunning: false, hostsOnline: () => 0, hostsConnectedHere: () => 0 },
    callId: "recovery-test",
    hosts: t.hosts,
  };
}
