/**
 * Runs one scenario of an official conformance CLI against a URL and reads its checks: the pinned
 * alpha (0.2.0-alpha.12) at --spec-version 2026-07-28 by default, or the stable suite (0.1.16) of
 * the 2025 protocol. Each run has its own temp working directory, removed afterwards.
 */
import { expect } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Glob } from "bun";
import { runProcess } from "./run-process.ts";

const SUITES = {
  alpha: resolve(import.meta.dir, "../../node_modules/@modelcontextprotocol/conformance-alpha/dist/index.js"),
  stable: resolve(import.meta.dir, "../../node_modules/@modelcontextprotocol/conformance/dist/index.js"),
};

export interface ScenarioOptions {
  /** Run an extension scenario (tasks-*), which the alpha CLI otherwise skips as off the spec timeline. */
  force?: boolean;
  /** "stable": the 2025 suite, which takes no --spec-version. */
  suite?: keyof typeof SUITES;
}

export interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
  description: string;
  errorMessage?: string;
  details?: { untestable?: boolean } & Record<string, unknown>;
}

/** The checks of `scenario`, with the CLI's output for failure messages. */
export async function runScenario(url: string, scenario: string, { force = false, suite = "alpha" }: ScenarioOptions = {}): Promise<{ checks: Check[]; output: string }> {
  const cwd = await mkdtemp(join(tmpdir(), `superset-conformance-${scenario}-`));
  try {
    // The CLI needs Node 22 APIs; Bun (this test's runtime) has them.
    const version = suite === "alpha" ? ["--spec-version", "2026-07-28"] : [];
    const command = [process.execPath, SUITES[suite], "server", "--url", url, "--scenario", scenario, ...version, "--output-dir", "results", ...(force ? ["--force"] : [])];
    const { exitCode, stdout, stderr } = await runProcess(command, { cwd, timeoutMs: 80_000 });
    // The CLI colours its report with fixed escape codes whatever the terminal.
    const output = `exit code ${exitCode}\n${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
    const files = [...new Glob(`results/server-${scenario}-*/checks.json`).scanSync({ cwd })];
    expect(files.length, `no checks.json written by the conformance CLI:\n${output}`).toBe(1);
    return { checks: (await Bun.file(join(cwd, files[0]!)).json()) as Check[], output };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/** One line per check, for failure messages. */
export const report = (checks: Check[]) => checks.map((check) => `${check.status} ${check.id}: ${check.description}${check.errorMessage ? ` — ${check.errorMessage}` : ""}`).join("\n");
