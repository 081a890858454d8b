/**
 * The built file alone, the way an operator meets it: a copy of dist/superset in a temp dir with
 * no node_modules, run from another directory with an external config file. Covers the help
 * texts, `config check`, the start-up log, and the start-ups it must refuse with one sentence.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtBinary, createSandbox, freePort, logMessages, plainLines, type Sandbox } from "../helpers/binary.ts";

// Each test starts the binary once or more; a refused start may take REFUSAL_DEADLINE_MS to show.
setDefaultTimeout(60_000);

// Decided once at load: the test for a dev user missing from a populated database needs
// `superset users create`, and is a todo until that command exists.
const HAS_USERS_CREATE = Bun.spawnSync([await builtBinary(), "users", "create", "--help"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;

/** How long a refused start may take before it counts as having started. */
const REFUSAL_DEADLINE_MS = 10_000;

/** Runs `mcp run` with the config, expects it to exit non-zero by itself, and returns the one line it printed for a person. */
async function refusedStart(sandbox: Sandbox, config: Record<string, unknown>, args: string[] = []): Promise<string> {
  const path = await sandbox.writeConfig(config);
  const { exitCode, stderr, timedOut } = await sandbox.run(["mcp", "run", "--config", path, ...args], { timeoutMs: REFUSAL_DEADLINE_MS });
  expect(timedOut, `superset mcp run was still running after ${REFUSAL_DEADLINE_MS / 1000} s instead of refusing to start; stderr:\n${stderr}`).toBe(false);
  expect(exitCode, `stderr:\n${stderr}`).not.toBe(0);
  const lines = plainLines(stderr);
  expect(lines, `expected one sentence on stderr besides log records, got:\n${stderr}`).toHaveLength(1);
  return lines[0]!;
}

describe("the built file alone", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  test("--help lists the commands, and every command answers --help", async () => {
    const help = await sandbox.run(["--help"]);
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toContain("mcp run");
    expect(help.stdout).toContain("config check");
    // Command rows look like "  mcp run      Serve MCP at …": two leading spaces, words, two or more spaces.
    const commands = [...help.stdout.matchAll(/^ {2}([a-z][a-z-]*(?: [a-z][a-z-]*)*) {2,}\S/gm)].map((match) => match[1]!);
    expect(commands).toContain("mcp run");
    for (const command of commands) {
      const result = await sandbox.run([...command.split(" "), "--help"]);
      expect(result.exitCode, `superset ${command} --help: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain(`Usage: superset ${command}`);
    }
  });

  test("mcp run --help shows its options", async () => {
    const { exitCode, stdout } = await sandbox.run(["mcp", "run", "--help"]);
    expect(exitCode).toBe(0);
    for (const option of ["--host", "--port", "--debug", "--config"]) expect(stdout).toContain(option);
  });

  test("config check --config validates an external config file", async () => {
    const path = await sandbox.writeConfig(sandbox.baseConfig());
    const { exitCode, stdout, stderr } = await sandbox.run(["config", "check", "--config", path]);
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toContain(`Config file: ${path}`);
    expect(stdout).toContain(sandbox.databaseUrl);
    expect(stderr).toContain("Configuration OK.");
  });

  test("config check --config refuses a config the server could not start with", async () => {
    const { MCP_DEV_USERNAME: _dropped, ...config } = sandbox.baseConfig();
    const { exitCode, stderr } = await sandbox.run(["config", "check", "--config", await sandbox.writeConfig(config)]);
    expect(exitCode).not.toBe(0);
    expect(stderr).toContain("MCP_DEV_USERNAME");
  });

  test("api-keys create, list and revoke from the file alone (the api_keys migration is embedded)", async () => {
    // A database of its own: users in the sandbox's one would stop the other tests' dev-mode starts.
    const config = await sandbox.writeConfig({ ...sandbox.baseConfig(), DATABASE_URL: `sqlite://${sandbox.root}/data/api-keys.db` }, "api-keys.ts");
    const cli = (...args: string[]) => sandbox.run([...args, "--config", config]);
    expect((await cli("orgs", "create", "keys", "--name", "Keys")).exitCode).toBe(0);
    expect((await cli("users", "create", "ci-bot", "--org", "keys", "--role", "member")).exitCode).toBe(0);
    const created = await cli("api-keys", "create", "--user", "ci-bot", "--org", "keys", "--name", "pipeline", "--expires", "30d");
    expect(created.exitCode, created.stderr).toBe(0);
    const key = /^ {2}(sk_live_[A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    const listed = await cli("api-keys", "list", "--org", "keys");
    expect(listed.stdout).toContain(key!.slice(0, 12));
    expect(listed.stdout).not.toContain(key!);
    expect((await cli("api-keys", "revoke", key!.slice(0, 12))).stdout).toStartWith('Revoked API key "pipeline"');
    expect((await cli("api-keys", "list", "--org", "keys", "--all")).stdout).toMatch(/\srevoked\s/);
  });

  test("--port and --host on the command line win over the config file", async () => {
    const port = freePort();
    const server = await sandbox.start({ config: { MCP_SERVICE_HOST: "localhost" }, args: ["--host", "127.0.0.1", "--port", String(port)] });
    expect(server.url).toBe(`http://127.0.0.1:${port}/mcp`);
    await server.stop();
  });
});

describe("the first start", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  test("on an empty database logs that it created the dev user and organization, once", async () => {
    const first = await sandbox.start();
    expect(logMessages(first.stderr())).toContainEqual(expect.stringMatching(/created dev user "admin".*organization/));
    await first.stop();

    const second = await sandbox.start();
    expect(logMessages(second.stderr()).filter((message) => message.includes("created dev user"))).toEqual([]);
    await second.stop();
  });
});

describe("a start that cannot succeed exits non-zero with one sentence", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  test("the port is in use: names the port and how to find the process", async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const sentence = await refusedStart(sandbox, { ...sandbox.baseConfig(), MCP_SERVICE_PORT: holder.port });
      expect(sentence).toContain(String(holder.port));
      expect(sentence).toContain("lsof");
    } finally {
      holder.stop(true);
    }
  });

  test("the port is in use by another superset: refused the same way, not shared", async () => {
    const running = await sandbox.start();
    try {
      const sentence = await refusedStart(sandbox, { ...sandbox.baseConfig(), MCP_SERVICE_PORT: running.port });
      expect(sentence).toContain(String(running.port));
      expect(sentence).toContain("lsof");
    } finally {
      await running.stop();
    }
  });

  test("--port that is not a port number", async () => {
    expect(await refusedStart(sandbox, sandbox.baseConfig(), ["--port", "http"])).toContain("--port");
  });

  test("an unknown config key: names it and suggests the right one", async () => {
    const sentence = await refusedStart(sandbox, { ...sandbox.baseConfig(), MCP_SERVICE_PROT: 5008 });
    expect(sentence).toContain("MCP_SERVICE_PROT");
    expect(sentence).toContain('did you mean "MCP_SERVICE_PORT"');
  });

  test("auth off without MCP_DEV_USERNAME: names MCP_DEV_USERNAME", async () => {
    const { MCP_DEV_USERNAME: _dropped, ...config } = sandbox.baseConfig();
    expect(await refusedStart(sandbox, { ...config, MCP_AUTH_ENABLED: false })).toContain("MCP_DEV_USERNAME");
  });

  test("MCP_DISABLED_TOOLS naming a tool that does not exist", async () => {
    const sentence = await refusedStart(sandbox, { ...sandbox.baseConfig(), MCP_DISABLED_TOOLS: ["tasks_lst"] });
    expect(sentence).toContain("MCP_DISABLED_TOOLS");
    expect(sentence).toContain("tasks_lst");
  });

  (HAS_USERS_CREATE ? test : test.todo)("a dev user missing from a database that already has users", async () => {
    const populated = await createSandbox();
    try {
      const config = await populated.writeConfig(populated.baseConfig());
      const created = await populated.run(["users", "create", "alice", "--config", config]);
      expect(created.exitCode, `superset users create alice: ${created.stderr}${created.stdout}`).toBe(0);
      const sentence = await refusedStart(populated, populated.baseConfig());
      expect(sentence).toContain("MCP_DEV_USERNAME");
      expect(sentence).toContain('"admin"');
    } finally {
      await populated.dispose();
    }
  });
});
