/**
 * The conformance suite's input-required scenarios (SEP-2322) at --spec-version 2026-07-28 against
 * the fixture server, whose input-required tools sign their request state with the product's
 * HMAC (tests/helpers/fixture-input-required.ts), and whose fixture prompt answers prompts/get
 * with one (non-tool-request). Every input-required-result-* scenario of the pinned suite runs and
 * every check must pass (unsupported-methods also runs on the binary, conformance-2026.test.ts).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { report, runScenario } from "../helpers/conformance-cli.ts";
import { FIXTURE_RESULTS, startFixtureServer, type FixtureServer } from "../helpers/fixture-server.ts";
import { extendWithInputRequired, INPUT_REQUIRED_FIXTURE_RESULTS } from "../helpers/fixture-input-required.ts";

setDefaultTimeout(90_000);

const SCENARIOS = [
  "input-required-result-basic-elicitation",
  "input-required-result-basic-sampling",
  "input-required-result-basic-list-roots",
  "input-required-result-request-state",
  "input-required-result-multiple-input-requests",
  "input-required-result-multi-round",
  "input-required-result-missing-input-response",
  "input-required-result-result-type",
  "input-required-result-tampered-state",
  "input-required-result-capability-check",
  "input-required-result-ignore-extra-params",
  "input-required-result-validate-input",
  "input-required-result-non-tool-request",
  "input-required-result-unsupported-methods",
];

describe("MCP 2026-07-28 conformance: input-required results", () => {
  let fixture: FixtureServer;
  beforeAll(async () => {
    fixture = await startFixtureServer({ results: { ...FIXTURE_RESULTS, ...INPUT_REQUIRED_FIXTURE_RESULTS }, extend: extendWithInputRequired });
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  for (const scenario of SCENARIOS) {
    test(`fixture app: ${scenario}`, async () => {
      const { checks, output } = await runScenario(fixture.url, scenario);
      expect(checks.length, `scenario ran no check:\n${output}`).toBeGreaterThan(0);
      const failures = checks.filter((check) => check.status !== "SUCCESS" && check.status !== "SKIPPED");
      console.log(`${scenario}: ${checks.filter((check) => check.status === "SUCCESS").length} passed, ${checks.filter((check) => check.status === "SKIPPED").length} skipped`);
      expect(failures.length, `${scenario}: checks not passed\n${report(failures)}\n\nCLI output:\n${output}`).toBe(0);
    });
  }
});
