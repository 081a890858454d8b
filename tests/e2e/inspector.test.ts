/**
 * The built binary driven by the MCP Inspector's CLI (`mcp-inspector --cli`), the way a developer
 * checks a server from a shell. Installed at test time (tests/helpers/npm-tools.ts) because every
 * release with the HTTP transport declares Node >= 22, though its CLI runs on the project's Node 20.
 * Its postinstall only installs client dependencies in a source checkout and exits at once under
 * node_modules, so installing with scripts off leaves the CLI complete.
 */
import { ALL_TOOLS } from "../../src/tools/index.ts";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { npmTool } from "../helpers/npm-tools.ts";
import { runProcess } from "../helpers/run-process.ts";

// Building and starting the binary and running external clients take seconds on a busy 2-core machine.
setDefaultTimeout(60_000);

const INSPECTOR = await npmTool("@modelcontextprotocol/inspector", "2.12.0", "mcp-inspector");

describe.skipIf(!INSPECTOR)("MCP Inspector CLI against the built binary", () => {
  let sandbox: Sandbox;
  let server: RunningServer;
  // The Inspector keeps a catalog (and, on a machine without a keychain, secrets) in ~/.mcp-inspector.
  let home: string;

  beforeAll(async () => {
    sandbox = await createSandbox();
    server = await sandbox.start();
    home = await mkdtemp(join(tmpdir(), "superset-e2e-inspector-home-"));
  });

  afterAll(async () => {
    await sandbox?.dispose();
    if (home) await rm(home, { recursive: true, force: true });
  });

  /** `mcp-inspector --cli <url> --transport http --method <method> …`, which must succeed; its stdout parsed as JSON. */
  async function inspect(method: string, ...args: string[]): Promise<Record<string, unknown>> {
    const { exitCode, stdout, stderr } = await runProcess([INSPECTOR!, "--cli", server.url, "--transport", "http", "--method", method, ...args], {
      cwd: home,
      env: { ...process.env, HOME: home },
      timeoutMs: 60_000,
    });
    expect(exitCode, `mcp-inspector --method ${method} ${args.join(" ")} exited ${exitCode}:\n${stderr}${stdout}`).toBe(0);
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  // --strict also exits non-zero when a tool schema has a portability problem of error severity.
  test("tools/list --strict shows every tool", async () => {
    const json = await inspect("tools/list", "--strict");
    const names = (json.tools as { name: string }[]).map((tool) => tool.name).sort();
    expect(names).toEqual(ALL_TOOLS.map((tool) => tool.name).sort());
  });

  test("tools/call tasks_create adds a task that tools/call tasks_list then shows", async () => {
    const created = await inspect("tools/call", "--tool-name", "tasks_create", "--tool-arg", "title=From inspector");
    expect(created.isError).toBeFalsy();
    const task = (created.structuredContent as { task: { id: string; title: string } }).task;
    expect(task.title).toBe("From inspector");

    const listed = await inspect("tools/call", "--tool-name", "tasks_list", "--tool-arg", "search=inspector");
    expect(listed.isError).toBeFalsy();
    const items = (listed.structuredContent as { result: { task: { id: string; title: string } }[] }).result;
    expect(items.map((item) => item.task)).toContainEqual(expect.objectContaining({ id: task.id, title: "From inspector" }));
  });
});
