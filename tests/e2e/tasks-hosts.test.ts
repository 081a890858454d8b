/**
 * Tasks over a real server and a real `superset host run` process (SEP-2663): a modern client's
 * projects_create with a gitUrl answers as a task at once, tasks/get follows it to `completed`
 * with the project; a clone stuck on a remote that never answers is stopped by tasks/cancel,
 * which kills its git processes. A workspaces_create whose set-up script waits for the test is a
 * task too, completed with the workspace once the script ends.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive } from "../../src/agent/process-session.ts";
import { DEV_USERNAME } from "../helpers/app.ts";
import { actorFor } from "../helpers/fixtures.ts";
import { makeRemote, removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { processesWith, startStuckRemote, type StuckRemote } from "../helpers/stuck-remote.ts";
import { agentProcess, listeningApp, registerHost, type ListeningApp } from "../helpers/hosts.ts";
import { sendModern, WITH_TASKS } from "../helpers/modern-client.ts";
import { eventually } from "../helpers/eventually.ts";

setDefaultTimeout(60_000);

let t: ListeningApp;
let agent: ReturnType<typeof agentProcess>;
let remote: StuckRemote;

const send = (method: string, params: Record<string, unknown>, capabilities: Record<string, unknown> = WITH_TASKS) => sendModern({ baseUrl: t.baseUrl }, method, params, capabilities);
const createProject = (args: Record<string, unknown>, capabilities?: Record<string, unknown>) =>
  send("tools/call", { name: "projects_create", arguments: { hostId: agent.hostId, ...args } }, capabilities);
const getTask = async (taskId: string) => (await send("tasks/get", { taskId })).body.result!;

beforeAll(async () => {
  remote = startStuckRemote();
  t = await listeningApp();
  agent = agentProcess({ baseUrl: t.baseUrl, token: await registerHost(t.services, await actorFor(t.services, DEV_USERNAME), "build-box"), env: { HOME: tempDir("superset-home-") } });
  await eventually(`the agent to connect (its log: ${agent.output()})`, async () => {
    const listed = await send("tools/call", { name: "hosts_list", arguments: {} });
    return listed.body.result?.structuredContent?.result?.[0]?.online === true;
  });
});

afterAll(async () => {
  await agent.stop();
  await t.stop();
  remote.stop();
  removeTempDirs();
});

describe.skipIf(process.platform !== "linux")("long host work as tasks", () => {
  test("a clone answers as a task at once, and tasks/get follows it to completed with the project", async () => {
    const origin = makeRemote({ name: "widget.git" });
    const created = await createProject({ gitUrl: origin.url, name: "widget" });
    expect(created.status).toBe(200);
    const task = created.body.result!;
    expect(task).toMatchObject({ resultType: "task", status: "working", ttlMs: 86_400_000, pollIntervalMs: expect.any(Number) });
    expect(task).not.toHaveProperty("result");

    await eventually("the task to finish", async () => (await getTask(task.taskId)).status !== "working");
    const finished = await getTask(task.taskId);
    expect(finished).toMatchObject({ resultType: "complete", taskId: task.taskId, status: "completed" });
    expect(finished.result.isError).toBeFalsy();
    expect(finished.result.structuredContent).toMatchObject({ project: { name: "widget", repoUrl: origin.url }, created: true });
    const listed = await send("tools/call", { name: "projects_list", arguments: { hostId: agent.hostId } });
    expect(JSON.stringify(listed.body.result?.structuredContent)).toContain(finished.result.structuredContent.project.id);
  });

  test("without the extension the same call answers synchronously", async () => {
    const origin = makeRemote({ name: "plain.git" });
    const plain = await createProject({ gitUrl: origin.url, name: "plain" }, {});
    expect(plain.body.result).toMatchObject({ structuredContent: { project: { name: "plain" }, created: true } });
    expect(plain.body.result).not.toHaveProperty("taskId");
  });

  test("tasks/cancel of a stuck clone acks, kills its git processes and leaves the task cancelled", async () => {
    const url = remote.url("stuck");
    const before = remote.requests;
    const created = await createProject({ gitUrl: url, name: "stuck" });
    const { taskId } = created.body.result!;
    await eventually("the clone to reach the remote", () => remote.requests > before);
    const pids = processesWith(url);
    expect(pids.length).toBeGreaterThan(0);
    expect((await getTask(taskId)).status).toBe("working");

    const cancelled = await send("tasks/cancel", { taskId });
    expect(cancelled.body.result).toEqual({ resultType: "complete", _meta: expect.any(Object) });
    await eventually("the clone's git processes to end", () => pids.every((pid) => !isProcessAlive(pid)));
    await eventually("the partial clone to be removed", () => !existsSync(join(agent.dataDir, "projects", "stuck")));
    expect((await getTask(taskId)).status).toBe("cancelled");
    expect((await send("tasks/cancel", { taskId })).body.result).toMatchObject({ resultType: "complete" });

    const withoutExtension = await send("tasks/get", { taskId }, {});
    expect(withoutExtension.status).toBe(400);
    expect(withoutExtension.body.error?.code).toBe(-32021);
  });

  test("workspaces_create whose set-up outlasts 2 s answers as a task, completed with the workspace when the set-up ends", async () => {
    const releaseFile = join(tempDir("superset-release-"), "go");
    // The set-up waits for the test, so the call cannot finish within the 2 s a workspace may answer in.
    const origin = makeRemote({ name: "slow-setup.git", files: { ".superset/setup.sh": `while [ ! -e '${releaseFile}' ]; do sleep 0.05; done\necho ready > .setup-done\n` } });
    const project = (await createProject({ gitUrl: origin.url, name: "slow-setup" }, {})).body.result!.structuredContent.project;
    const created = await send("tools/call", { name: "workspaces_create", arguments: { hostId: agent.hostId, projectId: project.id, name: "waiting", branch: "feature/waiting" } });
    const { taskId } = created.body.result!;
    expect(created.body.result).toMatchObject({ resultType: "task", status: "working" });
    writeFileSync(releaseFile, "");
    await eventually("the workspace task to finish", async () => (await getTask(taskId)).status !== "working");
    const finished = await getTask(taskId);
    expect(finished.status).toBe("completed");
    const { workspace } = finished.result.structuredContent;
    expect(workspace).toMatchObject({ projectId: project.id, branch: "feature/waiting", worktreeExists: true });
    expect(readFileSync(join(workspace.worktreePath, ".setup-done"), "utf8")).toBe("ready\n");
  });
});
