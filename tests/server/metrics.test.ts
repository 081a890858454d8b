/**
 * /metrics through `app.handle`: what the counters say after MCP and HTTP traffic, that labels stay
 * within their fixed sets whatever a client sends, and who may read the endpoint (token, loopback
 * peer without forwarding headers, dev mode). The loopback rule needs a real socket peer, so those
 * tests listen on 127.0.0.1.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/server/app.ts";
import { callTool, createTestApp, initialize, request, rpc, send, type TestApp } from "../helpers/app.ts";
import { labelValues, sampleValue, scrape } from "../helpers/metrics.ts";
import { AUTH_ON, userWithPassword } from "../web/setup.ts";
import { Browser } from "../web/browser.ts";

const TOKEN = "metrics-test-token-".padEnd(48, "z");
const apps: TestApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((t) => t.db.close()));
});

async function appWith(overrides: Parameters<typeof createTestApp>[0]): Promise<TestApp> {
  const t = await createTestApp(overrides);
  apps.push(t);
  return t;
}

const metricsRequest = (app: App, headers: Record<string, string> = {}) => app.handle(new Request("http://127.0.0.1:5008/metrics", { headers }));

describe("metrics off (the default)", () => {
  test("/metrics does not exist", async () => {
    const t = await appWith({});
    expect(t.metrics.enabled).toBe(false);
    expect((await metricsRequest(t.app)).status).toBe(404);
  });
});

describe("counters after traffic (dev mode)", () => {
  test("MCP requests by method and outcome, tool calls by tool, HTTP answers by route; invented names collapse to one label value", async () => {
    const t = await appWith({ MCP_METRICS_ENABLED: true });
    const session = await initialize(t.app);
    expect((await callTool(t.app, "health_check", {}, session)).result?.isError).toBeUndefined();
    expect((await callTool(t.app, "tasks_get", { taskId: "no-such-task" }, session)).result?.isError).toBe(true);
    expect((await callTool(t.app, "invented_tool_1", {}, session)).error).toBeDefined();
    await rpc(t.app, request("invented/method-1"), { sessionId: session });
    await rpc(t.app, request("invented/method-2"), { sessionId: session });
    await rpc(t.app, "{not json", { sessionId: session });
    await send(t.app, "POST", { headers: { Origin: "https://evil.example" }, body: JSON.stringify(request("ping")) });
    await t.app.handle(new Request("http://127.0.0.1:5008/no/such/path/123"));

    const text = await scrape(t.app);
    const mcp = (method: string, outcome: string) => sampleValue(text, `superset_mcp_requests_total{method="${method}",outcome="${outcome}"}`);
    expect(mcp("initialize", "ok")).toBe(1);
    expect(mcp("tools/call", "ok")).toBe(1);
    expect(mcp("tools/call", "tool_error")).toBe(1);
    expect(mcp("tools/call", "protocol_error")).toBe(1);
    expect(mcp("other", "protocol_error")).toBe(2);
    expect(mcp("none", "protocol_error")).toBe(1);
    expect(mcp("none", "forbidden")).toBe(1);
    expect(sampleValue(text, 'superset_mcp_tool_calls_total{tool="health_check",outcome="ok"}')).toBe(1);
    expect(sampleValue(text, 'superset_mcp_tool_calls_total{tool="tasks_get",outcome="tool_error"}')).toBe(1);
    expect(sampleValue(text, 'superset_mcp_tool_call_duration_seconds_count{tool="health_check"}')).toBe(1);
    expect(sampleValue(text, "superset_mcp_sessions_open")).toBe(1);
    expect(sampleValue(text, "superset_hosts_online")).toBe(0);
    expect(sampleValue(text, "superset_hosts_connected")).toBe(0);

    expect(labelValues(text, "superset_mcp_requests_total", "method").sort()).toEqual(["initialize", "none", "other", "tools/call"]);
    expect(labelValues(text, "superset_mcp_tool_calls_total", "tool").sort()).toEqual(["health_check", "tasks_get"]);
    // The notification initialize() sent and the POSTs are answered on one route pattern; the unknown path is "unmatched".
    expect(sampleValue(text, 'superset_http_requests_total{route="/mcp",method="POST",status="200"}')).toBe(6);
    expect(sampleValue(text, 'superset_http_requests_total{route="/mcp",method="POST",status="202"}')).toBe(1);
    expect(sampleValue(text, 'superset_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1);
    expect(labelValues(text, "superset_http_requests_total", "route").sort()).toEqual(["/mcp", "unmatched"]);
    expect(text).not.toContain("invented");
    expect(text).not.toContain("/no/such/path");
  });

  test("a request over the MCP rate limit counts as rate_limited and as a refusal of the mcp limiter", async () => {
    const t = await appWith({ MCP_METRICS_ENABLED: true, MCP_RATE_LIMIT: { enabled: true, requests: 2, window_seconds: 600 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await rpc(t.app, request("ping"))).status);
    expect(statuses).toEqual([200, 200, 429]);
    const text = await scrape(t.app);
    expect(sampleValue(text, 'superset_mcp_requests_total{method="none",outcome="rate_limited"}')).toBe(1);
    expect(sampleValue(text, 'superset_mcp_requests_total{method="ping",outcome="ok"}')).toBe(2);
    expect(sampleValue(text, 'superset_rate_limit_refusals_total{limiter="mcp"}')).toBe(1);
    expect(sampleValue(text, 'superset_rate_limit_refusals_total{limiter="signin"}')).toBe(0);
  });
});

describe("counters with authentication on", () => {
  test("an MCP request without a credential counts as unauthorized; refused sign-ins and registrations count per limiter", async () => {
    const t = await appWith({ ...AUTH_ON, MCP_METRICS_ENABLED: true, MCP_METRICS_TOKEN: TOKEN });
    expect((await rpc(t.app, request("ping"))).status).toBe(401);

    const user = await userWithPassword(t.services);
    const browser = new Browser(t.app);
    const { csrf } = await browser.page("/signin");
    let signin = 0;
    // Empty passwords: refused without a password hash, but counted by the limiter all the same.
    for (let i = 0; i < 100 && signin !== 429; i++) signin = (await browser.post("/signin", { csrf_token: csrf, username: user.username, password: "" })).status;
    expect(signin).toBe(429);

    let registration = 0;
    for (let i = 0; i < 100 && registration !== 429; i++) {
      registration = (await t.app.handle(new Request("http://127.0.0.1:5008/oauth/register", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }))).status;
    }
    expect(registration).toBe(429);

    const text = await scrape(t.app, { Authorization: `Bearer ${TOKEN}` });
    expect(sampleValue(text, 'superset_mcp_requests_total{method="none",outcome="unauthorized"}')).toBe(1);
    expect(sampleValue(text, 'superset_rate_limit_refusals_total{limiter="signin"}')).toBe(1);
    expect(sampleValue(text, 'superset_rate_limit_refusals_total{limiter="registration"}')).toBe(1);
    expect(sampleValue(text, 'superset_rate_limit_refusals_total{limiter="mcp"}')).toBe(0);
  });
});

describe("who may read /metrics", () => {
  test("with MCP_METRICS_TOKEN: only a request bearing it, with a sentence for the others", async () => {
    const t = await appWith({ ...AUTH_ON, MCP_METRICS_ENABLED: true, MCP_METRICS_TOKEN: TOKEN });
    const missing = await metricsRequest(t.app);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
    expect(await missing.text()).toContain("MCP_METRICS_TOKEN");
    const wrong = await metricsRequest(t.app, { Authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toBe("The bearer token is not MCP_METRICS_TOKEN.\n");
    // X-API-Key is how MCP clients may send a key; the metrics token travels only as a bearer token.
    expect((await metricsRequest(t.app, { "X-API-Key": TOKEN })).status).toBe(401);
    const right = await metricsRequest(t.app, { Authorization: `Bearer ${TOKEN}` });
    expect(right.status).toBe(200);
    expect(right.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
    expect(await right.text()).toContain("# TYPE superset_http_requests_total counter");
  });

  test("dev mode: answered without a credential; a token, when set, is still required", async () => {
    const open = await appWith({ MCP_METRICS_ENABLED: true });
    expect((await metricsRequest(open.app)).status).toBe(200);
    const guarded = await appWith({ MCP_METRICS_ENABLED: true, MCP_METRICS_TOKEN: TOKEN });
    expect((await metricsRequest(guarded.app)).status).toBe(401);
  });

  test("authentication on without a token: a loopback peer carrying no forwarding header, nobody else", async () => {
    const t = await appWith({ ...AUTH_ON, MCP_METRICS_ENABLED: true });
    // app.handle has no socket peer, like a request whose address is unknown.
    const unknownPeer = await metricsRequest(t.app);
    expect(unknownPeer.status).toBe(403);
    expect(await unknownPeer.text()).toContain("set MCP_METRICS_TOKEN");
    t.app.listen({ hostname: "127.0.0.1", port: 0 });
    const url = `http://127.0.0.1:${t.app.server!.port}/metrics`;
    try {
      expect((await fetch(url)).status).toBe(200);
      // Nginx on this machine is a loopback peer too: its headers say the client is elsewhere.
      for (const header of ["X-Forwarded-For", "X-Real-IP", "Forwarded"]) {
        const proxied = await fetch(url, { headers: { [header]: header === "Forwarded" ? "for=203.0.113.7" : "203.0.113.7" } });
        expect(proxied.status, header).toBe(403);
        expect(await proxied.text()).toContain(header.toLowerCase());
      }
    } finally {
      await t.app.stop(true);
    }
  });
});
