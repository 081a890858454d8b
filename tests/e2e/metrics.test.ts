/**
 * /metrics of the built binary (prom-client bundled into it, loaded only when metrics are on):
 * a scrape after real traffic — tool calls, a tool error, a refused request, a rate-limited one —
 * passes Debian's `promtool check metrics`; with authentication on, the token guards the scrape
 * and `config check` never prints it.
 *
 * Without /usr/bin/promtool (package prometheus) the promtool test is skipped with a message,
 * except under CI (CI=true), where .ci/run installs it and a missing promtool is a failure.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { INITIALIZE_PARAMS } from "../helpers/app.ts";
import { sampleValue } from "../helpers/metrics.ts";
import { runProcess } from "../helpers/run-process.ts";

setDefaultTimeout(60_000);

const PROMTOOL = "/usr/bin/promtool";
const hasPromtool = existsSync(PROMTOOL);
const underCi = process.env.CI === "true";
if (!hasPromtool && !underCi) console.warn(`[metrics] promtool check skipped: ${PROMTOOL} is missing (apt-get install prometheus); CI installs it and runs this test.`);

const TOKEN = "e2e-metrics-token-".padEnd(64, "q");
const RATE_LIMIT_REQUESTS = 12;

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(async () => {
  await sandbox?.dispose();
});

let nextId = 1;
function post(server: RunningServer, method: string, params: Record<string, unknown> | undefined, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, ...(params && { params }) }),
  });
}

const metricsUrl = (server: RunningServer) => new URL("/metrics", server.url).href;

describe.skipIf(!hasPromtool && !underCi)("a scrape of the running binary", () => {
  test("after tool calls, a refused and a rate-limited request, promtool finds the exposition valid", async () => {
    expect(existsSync(PROMTOOL), `${PROMTOOL} is missing: CI must install Debian's prometheus package (see .ci/run)`).toBe(true);
    const server = await sandbox.start({ config: { MCP_METRICS_ENABLED: true, MCP_RATE_LIMIT: { enabled: true, requests: RATE_LIMIT_REQUESTS, window_seconds: 600 } } });
    const initialized = await post(server, "initialize", INITIALIZE_PARAMS);
    expect(initialized.status).toBe(200);
    const session = { "Mcp-Session-Id": initialized.headers.get("mcp-session-id")! };
    expect((await post(server, "tools/call", { name: "health_check", arguments: {} }, session)).status).toBe(200);
    expect((await post(server, "tools/call", { name: "tasks_list", arguments: {} }, session)).status).toBe(200);
    const toolError = await post(server, "tools/call", { name: "tasks_get", arguments: { taskId: "missing" } }, session);
    expect(((await toolError.json()) as { result: { isError?: boolean } }).result.isError).toBe(true);
    expect((await post(server, "ping", undefined, { ...session, Origin: "https://elsewhere.example" })).status).toBe(403);
    let status = 200;
    for (let i = 0; i < 2 * RATE_LIMIT_REQUESTS && status !== 429; i++) status = (await post(server, "ping", undefined, session)).status;
    expect(status).toBe(429);

    const scrape = await fetch(metricsUrl(server));
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(sampleValue(text, 'superset_mcp_tool_calls_total{tool="health_check",outcome="ok"}')).toBe(1);
    expect(sampleValue(text, 'superset_mcp_tool_calls_total{tool="tasks_get",outcome="tool_error"}')).toBe(1);
    expect(sampleValue(text, 'superset_mcp_requests_total{method="none",outcome="forbidden"}')).toBe(1);
    expect(sampleValue(text, 'superset_mcp_requests_total{method="none",outcome="rate_limited"}')).toBe(1);
    expect(sampleValue(text, 'superset_rate_limit_refusals_total{limiter="mcp"}')).toBe(1);
    expect(sampleValue(text, "superset_mcp_sessions_open")).toBe(1);
    expect(sampleValue(text, "process_resident_memory_bytes")).toBeGreaterThan(0);

    const { exitCode, stdout: out, stderr: err } = await runProcess([PROMTOOL, "check", "metrics"], { input: new TextEncoder().encode(text) });
    expect(`${out}${err}`).toBe("");
    expect(exitCode).toBe(0);
  });
});

describe("authentication on", () => {
  const authConfig = { MCP_AUTH_ENABLED: true, MCP_DEV_USERNAME: undefined, SECRET_KEY: "e2e-metrics-secret-key-".padEnd(48, "k"), MCP_METRICS_ENABLED: true, MCP_METRICS_TOKEN: TOKEN };

  test("the scrape needs MCP_METRICS_TOKEN as a bearer token", async () => {
    const server = await sandbox.start({ config: authConfig });
    const refused = await fetch(metricsUrl(server));
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain("MCP_METRICS_TOKEN");
    const scraped = await fetch(metricsUrl(server), { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("superset_http_requests_total");
  });

  test("config check redacts the token", async () => {
    const path = await sandbox.writeConfig({ ...sandbox.baseConfig(), ...authConfig });
    const { exitCode, stdout, stderr } = await sandbox.run(["config", "check", "--config", path]);
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toContain('"MCP_METRICS_TOKEN": "[redacted]"');
    expect(stdout + stderr).not.toContain(TOKEN);
  });
});
