/**
 * The story end to end: a real server, a real `superset host run` process connected over a
 * real WebSocket, a real git remote. "Create a workspace for the auth feature on my build box"
 * makes a git worktree on the host with an agent (a fake `claude`) running in a terminal the
 * client can read; hostile input is refused or harmless; an away host answers from last-known
 * records or fails at once.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILTIN_AGENT_PRESETS } from "../../src/config/defaults.ts";
import { DEV_USERNAME, initialize, readSseEvents, request, rpc, toolResult } from "../helpers/app.ts";
import { actorFor } from "../helpers/fixtures.ts";
import { gitSync, makeRemote, removeTempDirs, tempDir, type TestRemote } from "../helpers/git-repos.ts";
import { agentProcess, listeningApp, registerHost, type ListeningApp } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";

setDefaultTimeout(60_000);

const FAKE_AGENT = join(import.meta.dir, "../fixtures/fake-agent.sh");
const HOSTILE_PROMPT = `Fix login'; rm -rf ~; ' $(touch /tmp/superset-pwned-${process.pid}) \`id\` --help\nsecond line "quoted"`;

let t: ListeningApp;
let remote: TestRemote;
let agent: ReturnType<typeof agentProcess>;
let session: string;
let argvFile: string;

async function call(name: string, args: Record<string, unknown>) {
  const result = await toolResult(t.app, name, name === "hosts_list" ? args : { hostId: agent.hostId, ...args }, session);
  return { ...result, value: result.structuredContent as Record<string, any>, text: result.content[0]!.text };
}

async function succeed(name: string, args: Record<string, unknown>) {
  const result = await call(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.text}`);
  return result.value;
}

beforeAll(async () => {
  argvFile = join(tempDir("superset-fake-agent-"), "argv");
  const fake = {
    label: "Fake Claude",
    command: FAKE_AGENT,
    args: ["--dangerously-skip-permissions"],
    promptTransport: "argv" as const,
    promptArgs: [],
    resumeArgs: ["--resume", "{sessionId}"],
    env: { FAKE_AGENT_OUT: argvFile },
  };
  t = await listeningApp({ AGENT_PRESETS: { ...BUILTIN_AGENT_PRESETS, fake } });
  remote = makeRemote({ files: { ".superset/setup.sh": "echo setup-ran > .setup-ran\n" } });
  // An empty HOME: the shells the host starts must not depend on this machine's rc files.
  const env = { HOME: tempDir("superset-home-") };
  agent = agentProcess({ baseUrl: t.baseUrl, token: await registerHost(t.services, await actorFor(t.services, DEV_USERNAME), "build-box"), env });
  session = await initialize(t.app);
  await eventually(`the agent to connect (its log: ${agent.output()})`, async () => (await call("hosts_list", {})).value.result[0]?.online === true);
});

afterAll(async () => {
  await agent.stop();
  await t.stop();
  removeTempDirs();
});

let projectId = "";
let repoPath = "";

describe("a workspace for the auth feature on the build box", () => {
  test("projects_create clones the remote, streaming progress notifications", async () => {
    const response = await rpc(t.app, request("tools/call", { name: "projects_create", arguments: { hostId: agent.hostId, gitUrl: remote.url }, _meta: { progressToken: "clone-1" } }), {
      sessionId: session,
    });
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    const events = await readSseEvents(response, 1_000, 30_000);
    const progress = events.filter((event) => (event.data as { method?: string }).method === "notifications/progress");
    expect(progress.length).toBeGreaterThan(0);
    expect((progress[0]!.data as { params: { progressToken: string } }).params.progressToken).toBe("clone-1");
    const answer = events.at(-1)!.data as { result: { structuredContent: { project: { id: string; repoPath: string; defaultBranch: string }; created: boolean } } };
    const { project, created } = answer.result.structuredContent;
    expect(created).toBe(true);
    expect(project.defaultBranch).toBe("main");
    expect(gitSync(project.repoPath, ["rev-parse", "HEAD"])).toBe(remote.revParse("main"));
    projectId = project.id;
    repoPath = project.repoPath;
  });

  test("workspaces_create makes a real worktree with the agent running in a terminal", async () => {
    const created = await succeed("workspaces_create", { projectId, name: "auth", branch: "feature/auth", agents: [{ agent: "fake", prompt: HOSTILE_PROMPT }] });
    const { workspace, agents, terminals } = created;
    expect(workspace).toMatchObject({ projectId, branch: "feature/auth", type: "worktree", worktreeExists: true, hostId: agent.hostId });
    expect(gitSync(repoPath, ["worktree", "list", "--porcelain"])).toContain(`worktree ${workspace.worktreePath}`);
    expect(gitSync(workspace.worktreePath, ["rev-parse", "--abbrev-ref", "HEAD"])).toBe("feature/auth");
    expect(readFileSync(join(workspace.worktreePath, ".setup-ran"), "utf8")).toBe("setup-ran\n");
    expect(agents).toEqual([{ ok: true, sessionId: expect.any(String), label: "Fake Claude" }]);
    expect(terminals.map((terminal: { label: string }) => terminal.label)).toContain("setup");

    // The exact argument vector the agent got: the preset's flags, then the prompt as one element, unchanged.
    await eventually("the fake agent to write its argv", () => existsSync(argvFile) && readFileSync(argvFile, "utf8").endsWith("\0"));
    expect(readFileSync(argvFile, "utf8").split("\0").slice(0, -1)).toEqual(["--dangerously-skip-permissions", HOSTILE_PROMPT]);
    expect(existsSync(`/tmp/superset-pwned-${process.pid}`)).toBe(false);

    const terminal = { workspaceId: workspace.id, terminalId: agents[0].sessionId };
    await eventually("the agent's screen", async () => (await call("terminals_read", terminal)).value.text.includes("fake-agent done"));
    const screen = (await call("terminals_read", terminal)).value;
    // The terminal wraps at its width, and a long TMPDIR makes the path wrap: compare the lines joined.
    expect(screen.text.replaceAll("\n", "")).toContain(`fake-agent cwd=${workspace.worktreePath}`);
    const listed = await succeed("terminals_list", { workspaceId: workspace.id });
    expect(listed.sessions).toContainEqual(expect.objectContaining({ terminalId: agents[0].sessionId, exited: true, exitCode: 0 }));

    const again = await succeed("workspaces_create", { projectId, name: "auth again", branch: "feature/auth" });
    expect(again.alreadyExists).toBe(true);
    expect(again.workspace.id).toBe(workspace.id);
  });

  test("an interactive terminal: send with and without Enter, read, close", async () => {
    const workspace = (await succeed("workspaces_list", {})).result.find((item: { branch: string }) => item.branch === "feature/auth");
    const { terminalId } = await succeed("terminals_create", { workspaceId: workspace.id });
    const ref = { workspaceId: workspace.id, terminalId };
    await succeed("terminals_send", { ...ref, text: "echo typed-", submit: false });
    await succeed("terminals_send", { ...ref, text: "then-entered" });
    await eventually("the echo", async () => /^typed-then-entered$/m.test((await call("terminals_read", ref)).value.text));
    expect(await succeed("terminals_close", ref)).toEqual({ terminalId, status: "disposed" });
    expect((await call("terminals_read", ref)).isError).toBe(true);
  });

  test("a session workspace, a rename, and delete with the branch kept", async () => {
    const session_ = (await succeed("workspaces_create", { name: "scratch" })).workspace;
    expect(session_).toMatchObject({ type: "session", projectId: null, branch: "main" });
    expect(gitSync(session_.worktreePath, ["log", "--oneline"]).split("\n")).toHaveLength(1);
    const worktree = (await succeed("workspaces_create", { projectId, name: "doomed", branch: "doomed" })).workspace;
    expect((await succeed("workspaces_update", { id: worktree.id, name: "renamed" })).name).toBe("renamed");
    const deleted = await succeed("workspaces_delete", { id: worktree.id });
    expect(deleted).toMatchObject({ success: true, worktreeRemoved: true, branchDeleted: false });
    expect(existsSync(worktree.worktreePath)).toBe(false);
    expect(gitSync(repoPath, ["branch", "--list", "doomed"])).toContain("doomed");
    const main = (await succeed("workspaces_list", {})).result.find((item: { type: string }) => item.type === "main");
    expect((await call("workspaces_delete", { id: main.id })).isError).toBe(true);
  });
});

describe("hostile input is refused or harmless", () => {
  const marker = `/tmp/superset-hostile-${process.pid}`;

  test.each([
    ["a branch climbing out of the data dir", { branch: "../../etc" }],
    ["an option as a branch", { branch: "--upload-pack=touch " + marker }],
    ["a command substitution in a branch", { branch: `$(touch ${marker})` }],
    ["a tag as a branch", { branch: "v1.0" }],
  ])("workspaces_create with %s", async (_what, args) => {
    const result = await call("workspaces_create", { projectId, name: "hostile", ...args });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^[^\n]+\.$/);
    expect(existsSync(marker)).toBe(false);
  });

  test.each([
    ["an option as a URL", `--upload-pack=touch ${marker}`],
    ["a transport helper", `ext::sh -c touch% ${marker}`],
  ])("projects_create with %s", async (_what, gitUrl) => {
    const result = await call("projects_create", { gitUrl });
    expect(result.isError).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  test("a terminal cwd outside the workspace", async () => {
    const workspace = (await succeed("workspaces_list", {})).result.find((item: { branch: string }) => item.branch === "feature/auth");
    for (const cwd of ["../../..", "/etc"]) {
      const result = await call("terminals_create", { workspaceId: workspace.id, cwd });
      expect(result.isError).toBe(true);
    }
  });

  test("workspaces_mcp_config_list reads the workspace's config files on the host: secrets redacted, links out and huge files refused", async () => {
    const workspace = (await succeed("workspaces_list", {})).result.find((item: { branch: string }) => item.branch === "feature/auth");
    const key = `sk_live_${"e".repeat(43)}`;
    const root = workspace.worktreePath as string;
    writeFileSync(
      join(root, ".mcp.json"),
      JSON.stringify({ mcpServers: { superset: { type: "http", url: `${t.baseUrl}/mcp`, headers: { Authorization: `Bearer ${key}` } }, "bad\u001bname": { command: "x" } } }),
    );
    symlinkSync("/etc", join(root, ".cursor"));
    writeFileSync(join(root, "opencode.json"), `{"pad": "${"x".repeat(2 * 1024 * 1024)}"}`);
    try {
      const listed = await succeed("workspaces_mcp_config_list", { workspaceId: workspace.id });
      expect(listed.servers.map((server: { name: string; state: string }) => [server.name, server.state])).toEqual([
        ["superset", "enabled"],
        ["bad\\u001bname", "invalid"],
      ]);
      expect(listed.servers[0].headers).toEqual({ Authorization: "Bearer [redacted]" });
      expect(JSON.stringify(listed)).not.toContain(key);
      expect(listed.problems.map((problem: { reason: string }) => problem.reason)).toEqual([
        ".cursor/mcp.json leads outside the folder through a symbolic link; not read",
        "opencode.json is 2097163 bytes, over the 1048576 bytes a config file may have; not read",
      ]);
      for (const workspaceId of [crypto.randomUUID(), "../../etc"]) expect((await call("workspaces_mcp_config_list", { workspaceId })).isError).toBe(true);
    } finally {
      for (const name of [".mcp.json", ".cursor", "opencode.json"]) rmSync(join(root, name), { force: true });
    }
  });

  test("the projects and workspaces are still all there, unchanged", async () => {
    const projects = (await succeed("projects_list", {})).result;
    expect(projects.map((project: { id: string }) => project.id)).toEqual([projectId]);
    const branches = (await succeed("workspaces_list", {})).result.map((item: { branch: string }) => item.branch).sort();
    expect(branches).toEqual(["feature/auth", "main", "main"]);
  });
});

describe("a host that is away", () => {
  test("lists answer from last-known records; other tools fail at once naming the host", async () => {
    const live = (await succeed("workspaces_list", {})).result;
    await agent.kill();
    await eventually("the host to go offline", async () => (await call("hosts_list", {})).value.result[0].online === false);
    const known = await succeed("workspaces_list", {});
    expect(known.source).toBe("last_known");
    expect(known.result.map((item: { id: string }) => item.id).sort()).toEqual(live.map((item: { id: string }) => item.id).sort());
    expect(known.result.every((item: { worktreeExists: boolean }) => item.worktreeExists)).toBe(true);
    const started = Date.now();
    const refused = await call("terminals_list", { workspaceId: live[0].id });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(refused.text).toMatch(new RegExp(`^Host "build-box" \\(${agent.hostId}\\) is offline since \\S+Z; start its agent`));
  });
});
