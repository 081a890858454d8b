/**
 * The built executable on both ends, as an operator installs it: `superset hosts register` prints
 * a token, `superset host run` (the same file) connects with it, and the SDK client makes a
 * session workspace and reads a real terminal on that host through the server.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { join } from "node:path";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { randomHostId } from "../helpers/hosts.ts";
import { eventually } from "../helpers/eventually.ts";
import { connectSdkClient } from "../helpers/sdk-client.ts";

setDefaultTimeout(60_000);

let sandbox: Sandbox;
let server: RunningServer;
let client: Client;

beforeAll(async () => {
  sandbox = await createSandbox();
  server = await sandbox.start();
  ({ client } = await connectSdkClient(server.url, "superset-e2e-hosts"));
});

afterAll(async () => {
  await client.close();
  await sandbox.dispose();
});

type Structured = Record<string, any>;
const tool = async (name: string, args: Record<string, unknown> = {}) => {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Structured;
};

test("a machine registered with the CLI runs the agent from the same executable and serves terminals", async () => {
  const config = await sandbox.writeConfig(sandbox.baseConfig(), "cli.ts");
  const registered = await sandbox.run(["hosts", "register", "--org", "default", "--user", "admin", "--name", "binary-box", "--config", config]);
  expect(registered.exitCode, registered.stderr).toBe(0);
  const token = /sk_host_[A-Za-z0-9_-]{43}/.exec(registered.stdout)![0];
  expect(registered.stdout).toContain("superset host run --server");

  const hostId = randomHostId();
  const baseUrl = server.url.replace(/\/mcp$/, "");
  const home = join(sandbox.root, "home");
  const agent = Bun.spawn([sandbox.binary, "host", "run", "--server", baseUrl, "--data-dir", join(sandbox.root, "host-data"), "--host-id", hostId], {
    cwd: sandbox.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, SUPERSET_HOST_TOKEN: token },
    stdout: "ignore",
    stderr: "pipe",
  });
  try {
    await eventually("the agent to connect", async () => (await tool("hosts_list")).result.some((host: Structured) => host.id === hostId && host.online));
    const { workspace } = await tool("workspaces_create", { hostId, name: "scratch" });
    expect(workspace).toMatchObject({ type: "session", branch: "main", worktreeExists: true });
    const { terminalId } = await tool("terminals_create", { hostId, workspaceId: workspace.id, command: "printf 'from the binary\\n'; git log --format=%s" });
    const ref = { hostId, workspaceId: workspace.id, terminalId };
    await eventually("the terminal's output", async () => (await tool("terminals_read", ref)).text.includes("from the binary"));
    const screen = await tool("terminals_read", ref);
    expect(screen.text.split("\n")).toContain("from the binary");
    expect(screen.cols).toBeGreaterThan(0);
  } finally {
    agent.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  }
});
