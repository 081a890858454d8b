/**
 * The official conformance suite (0.2.0-alpha.12) at --spec-version 2026-07-28: the generic
 * scenarios against the built binary, and the fixture-bound ones (tools-call-*, json-schema-2020-12,
 * the diagnostic tools of server-stateless) against tests/helpers/fixture-server.ts, which mounts
 * the same route, transport and modern dispatch over the suite's fixture tools. Every check must
 * pass, except those of conformance-2026-baseline.json (capabilities this server does not offer,
 * each with its reason); a SKIPPED check is the suite's own "not applicable" and is allowed.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Glob } from "bun";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.ts";
import BASELINE from "./conformance-2026-baseline.json";

setDefaultTimeout(90_000);

const CONFORMANCE_CLI = resolve(import.meta.dir, "../../node_modules/@modelcontextprotocol/conformance-alpha/dist/index.js");
const BINARY_SCENARIOS = ["server-stateless", "tools-list", "caching", "http-header-validation", "http-custom-header-server-validation", "dns-rebinding-protection", "server-sse-multiple-streams", "input-required-result-unsupported-methods"];
const FIXTURE_SCENARIOS = ["server-stateless", "tools-call-simple-text", "tools-call-image", "tools-call-audio", "tools-call-embedded-resource", "tools-call-mixed-content", "tools-call-error", "tools-call-with-progress", "json-schema-2020-12"];
const baseline = BASELINE as Record<string, string>;
/** INFO results the suite uses for behaviour the specification leaves optional, and why they are fine. */
const ACCEPTED_INFO: Record<string, string> = {
  "server-sse-streams-functional": "SSE answers to POST are optional; this server streams only a request with a progressToken",
};

interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
  description: string;
  errorMessage?: string;
  details?: { untestable?: boolean } & Record<string, unknown>;
}

async function runScenario(url: string, scenario: string): Promise<{ checks: Check[]; output: string }> {
  const cwd = await mkdtemp(join(tmpdir(), `superset-e2e-conformance-2026-${scenario}-`));
  try {
    // The CLI needs Node 22 APIs; Bun (this test's runtime) has them.
    const child = Bun.spawn([process.execPath, CONFORMANCE_CLI, "server", "--url", url, "--scenario", scenario, "--spec-version", "2026-07-28", "--output-dir", "results"], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => child.kill("SIGKILL"), 80_000);
    const [exitCode, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
    clearTimeout(timer);
    const output = `exit code ${exitCode}\n${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
    const files = [...new Glob(`results/server-${scenario}-*/checks.json`).scanSync({ cwd })];
    expect(files.length, `no checks.json written by the conformance CLI:\n${output}`).toBe(1);
    return { checks: (await Bun.file(join(cwd, files[0]!)).json()) as Check[], output };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

const isAccepted = (check: Check) => check.status === "SUCCESS" || check.status === "SKIPPED" || (check.status === "INFO" && check.id in ACCEPTED_INFO);
const report = (checks: Check[]) => checks.map((check) => `${check.status} ${check.id}: ${check.description}${check.errorMessage ? ` — ${check.errorMessage}` : ""}`).join("\n");
const counts = (checks: Check[], onFixture: (check: Check) => boolean) => ({
  passed: checks.filter((check) => check.status === "SUCCESS").length,
  baselined: checks.filter((check) => check.status !== "SUCCESS" && check.id in baseline).length,
  passedOnFixture: checks.filter((check) => check.status !== "SUCCESS" && onFixture(check)).length,
  skipped: checks.filter((check) => check.status === "SKIPPED").length,
});

describe("MCP 2026-07-28 conformance", () => {
  let sandbox: Sandbox;
  let server: RunningServer;
  let fixture: FixtureServer;
  /** Fixture runs by scenario, so a binary check that needs a fixture tool is judged by its fixture twin. */
  const fixtureChecks = new Map<string, Check[]>();

  beforeAll(async () => {
    sandbox = await createSandbox();
    server = await sandbox.start();
    fixture = await startFixtureServer();
  });

  afterAll(async () => {
    await fixture?.stop();
    await sandbox?.dispose();
  });

  for (const scenario of FIXTURE_SCENARIOS) {
    test(`fixture app: ${scenario}`, async () => {
      const { checks, output } = await runScenario(fixture.url, scenario);
      fixtureChecks.set(scenario, checks);
      expect(checks.length, `scenario ran no check:\n${output}`).toBeGreaterThan(0);
      const failures = checks.filter((check) => !isAccepted(check));
      console.log(`fixture ${scenario}:`, JSON.stringify(counts(checks, () => false)));
      expect(failures.length, `${scenario}: checks not passed\n${report(failures)}\n\nCLI output:\n${output}`).toBe(0);
    });
  }

  for (const scenario of BINARY_SCENARIOS) {
    test(`binary: ${scenario}`, async () => {
      const { checks, output } = await runScenario(server.url, scenario);
      expect(checks.length, `scenario ran no check:\n${output}`).toBeGreaterThan(0);
      const twin = fixtureChecks.get(scenario) ?? [];
      // "Not testable" checks need a diagnostic tool the product does not ship; the fixture app has it and must pass them.
      const passedOnFixture = (check: Check) => check.details?.untestable === true && twin.some((other) => other.id === check.id && other.status === "SUCCESS");
      const isBaselined = (check: Check) => check.id in baseline || passedOnFixture(check);
      const failures = checks.filter((check) => !isAccepted(check) && !isBaselined(check));
      console.log(`binary ${scenario}:`, JSON.stringify(counts(checks, passedOnFixture)));
      expect(failures.length, `${scenario}: checks not passed\n${report(failures)}\n\nCLI output:\n${output}`).toBe(0);
    });
  }

  test("the baseline names only checks the suite still reports as failing", async () => {
    const { checks } = await runScenario(server.url, "caching");
    for (const id of Object.keys(baseline)) expect(checks.find((check) => check.id === id)?.status, id).toBe("FAILURE");
  });
});
