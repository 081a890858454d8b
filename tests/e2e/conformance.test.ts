/**
 * The official MCP conformance suite's generic server scenarios against the built binary. Each
 * scenario runs in its own temp working directory and writes <dir>/results/server-<scenario>-<time>/
 * checks.json, which is read back; every check must be SUCCESS, except the INFO results listed in
 * ACCEPTED_INFO, which the suite itself uses for behaviour the specification leaves optional.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Glob } from "bun";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";

// Building and starting the binary and running external clients take seconds on a busy 2-core machine.
setDefaultTimeout(60_000);

const CONFORMANCE_CLI = resolve(import.meta.dir, "../../node_modules/@modelcontextprotocol/conformance/dist/index.js");

const SCENARIOS = ["server-initialize", "ping", "tools-list", "server-sse-multiple-streams", "dns-rebinding-protection", "logging-set-level"];

/**
 * Check ids that may report INFO, and why. A WARNING is never accepted: the suite gives one only
 * when something the server chose to offer does not work.
 */
const ACCEPTED_INFO: Record<string, string> = {
  // "Server returned JSON responses (SSE streams optional)": Streamable HTTP lets a server answer a
  // POST with JSON or SSE; this one streams only when the request carries a progress token.
  "server-sse-streams-functional": "SSE answers to POST are optional; plain JSON answers are conformant",
};

interface Check {
  id: string;
  name: string;
  description: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
  errorMessage?: string;
  details?: unknown;
}

/** Runs one scenario and returns its checks and what the CLI printed. */
async function runScenario(url: string, scenario: string): Promise<{ checks: Check[]; output: string }> {
  const cwd = await mkdtemp(join(tmpdir(), `superset-e2e-conformance-${scenario}-`));
  try {
    // The CLI needs Node 22 APIs; Bun (this test's runtime) has them.
    const child = Bun.spawn([process.execPath, CONFORMANCE_CLI, "server", "--url", url, "--scenario", scenario, "--output-dir", "results"], {
      cwd,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    const [exitCode, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
    clearTimeout(timer);
    // The CLI colours its report with fixed escape codes whatever the terminal.
    const output = `exit code ${exitCode}\n${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
    const files = [...new Glob(`results/server-${scenario}-*/checks.json`).scanSync({ cwd })];
    expect(files.length, `no checks.json written by the conformance CLI:\n${output}`).toBe(1);
    return { checks: (await Bun.file(join(cwd, files[0]!)).json()) as Check[], output };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

const isAccepted = (check: Check) => check.status === "SUCCESS" || (check.status === "INFO" && check.id in ACCEPTED_INFO);

describe("MCP conformance suite against the built binary", () => {
  let sandbox: Sandbox;
  let server: RunningServer;

  beforeAll(async () => {
    sandbox = await createSandbox();
    server = await sandbox.start();
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  for (const scenario of SCENARIOS) {
    test(scenario, async () => {
      const { checks, output } = await runScenario(server.url, scenario);
      expect(checks.length, `scenario ran no check:\n${output}`).toBeGreaterThan(0);
      const failures = checks.filter((check) => !isAccepted(check));
      const report = failures.map((check) => `${check.status} ${check.id}: ${check.description}${check.errorMessage ? ` — ${check.errorMessage}` : ""}\n${JSON.stringify(check.details ?? {}, null, 2)}`);
      expect(failures.length, `${scenario}: checks not passed\n${report.join("\n")}\n\nCLI output:\n${output}`).toBe(0);
    });
  }
});
