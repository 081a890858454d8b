/**
 * The Metrics of ./index.ts over prom-client, imported only when MCP_METRICS_ENABLED is on. Names
 * follow the Prometheus conventions: prefix `superset_`, base units (`_seconds`), `_total` on
 * counters. Every label value comes from a fixed set, so no client can create new series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { RUN_STATUSES, type RunStatus } from "../db/schema/values.ts";
import { MCP_METHODS } from "../mcp/methods.ts";
import { ErrorCode } from "../mcp/protocol.ts";
import { LIMITERS, type McpOutcome, type Metrics } from "./index.ts";

const PREFIX = "superset_";
const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Label value for a route, method or tool outside its known set. */
const OTHER = "other";
/** The `method` of an MCP request refused before its JSON-RPC message was read. */
const UNREAD = "none";

const MISNAMED_DEFAULT_GAUGES = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

const HTTP_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Tools that wait for a host run up to HOST_COMMAND_TIMEOUT (120 s by default), longer with progress.
const TOOL_BUCKETS_SECONDS = [...HTTP_BUCKETS_SECONDS, 30, 60, 120, 300];
// The scheduler aims at each due time; catch-up runs after downtime are late by hours or days.
const SCHEDULER_DELAY_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30, 60, 300, 900, 3600, 21600, 86400];

function outcomeOfAnswer(response: Parameters<Metrics["mcpAnswer"]>[2]): McpOutcome {
  if ("error" in response) return response.error.code === ErrorCode.InternalError ? "internal_error" : "protocol_error";
  const result = response.result as { isError?: unknown } | null;
  return result?.isError === true ? "tool_error" : "ok";
}

function outcomeOfStatus(status: number): McpOutcome {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 429) return "rate_limited";
  return status >= 500 ? "internal_error" : "protocol_error";
}

/** A registry of this server's metrics plus prom-client's process and runtime metrics. */
export function createPrometheusMetrics(toolNames: readonly string[]): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges that prom-client names like counters; promtool's lint refuses them, and the per-type gauges beside them say the same.
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  const registers = [registry];
  const tools = new Set(toolNames);
  const methods = new Set<string>(MCP_METHODS);
  const statuses = new Set<string>(RUN_STATUSES);
  // Requests whose JSON-RPC outcome was recorded, so the endpoint's answer is not counted twice.
  const answered = new WeakSet<Request>();

  const httpRequests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: "HTTP requests answered, by route pattern, method and status.",
    labelNames: ["route", "method", "status"],
    registers,
  });
  const httpDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: "Time from a request's arrival to its answer (to the start of a stream's body), by route pattern and method.",
    labelNames: ["route", "method"],
    buckets: HTTP_BUCKETS_SECONDS,
    registers,
  });
  const mcpRequests = new Counter({
    name: `${PREFIX}mcp_requests_total`,
    help: 'MCP requests by JSON-RPC method ("none" when refused before the message was read, "other" for a method this server does not answer) and outcome.',
    labelNames: ["method", "outcome"],
    registers,
  });
  const toolCalls = new Counter({
    name: `${PREFIX}mcp_tool_calls_total`,
    help: "Tool calls by tool and outcome (ok, or tool_error for an isError answer).",
    labelNames: ["tool", "outcome"],
    registers,
  });
  const toolDuration = new Histogram({
    name: `${PREFIX}mcp_tool_call_duration_seconds`,
    help: "Time a tool call took, cache and size guard included, by tool.",
    labelNames: ["tool"],
    buckets: TOOL_BUCKETS_SECONDS,
    registers,
  });
  const refusals = new Counter({ name: `${PREFIX}rate_limit_refusals_total`, help: "Requests refused by a rate limit, by limiter (mcp, signin, registration).", labelNames: ["limiter"], registers });
  const schedulerDelay = new Histogram({
    name: `${PREFIX}scheduler_delay_seconds`,
    help: "How late the scheduler claimed a due automation run after its scheduled time.",
    buckets: SCHEDULER_DELAY_BUCKETS_SECONDS,
    registers,
  });
  const automationRuns = new Counter({
    name: `${PREFIX}automation_runs_total`,
    help: "Automation runs that reached a status in this process: the dispatch's end (running, skipped_offline, dispatch_failed) or the run's end as its host reported it.",
    labelNames: ["status"],
    registers,
  });
  let sources: Parameters<Metrics["watch"]>[0] = {};
  new Gauge({
    name: `${PREFIX}mcp_sessions_open`,
    help: "Legacy MCP sessions open in this process (stateful mode); with the Redis store, those with a stream followed here.",
    registers,
    collect() {
      this.set(sources.openSessions?.() ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}hosts_online`,
    help: "Host agents online across every replica sharing the Redis store (the same on each replica: aggregate with max, not sum); without the store, those connected to this process.",
    registers,
    async collect() {
      this.set((await sources.hostsOnline?.()) ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}hosts_connected`,
    help: "Host agents whose WebSocket this process holds (sum over replicas for the fleet).",
    registers,
    collect() {
      this.set(sources.hostsConnected?.() ?? 0);
    },
  });

  // Series that exist from the start, so rate() and absent-alerts work before the first refusal or run.
  for (const limiter of LIMITERS) refusals.labels(limiter).inc(0);
  for (const status of RUN_STATUSES) if (status !== "dispatching") automationRuns.labels(status).inc(0);

  const methodLabel = (method: string) => (methods.has(method) ? method : OTHER);
  return {
    enabled: true,
    httpRequest(route, method, status, seconds) {
      const labels = { route: route ?? "unmatched", method: HTTP_METHODS.has(method) ? method : OTHER };
      httpRequests.inc({ ...labels, status: Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER });
      httpDuration.observe(labels, seconds);
    },
    mcpAnswer(request, method, response) {
      answered.add(request);
      mcpRequests.inc({ method: methodLabel(method), outcome: outcomeOfAnswer(response) });
    },
    mcpForbidden(request, method) {
      answered.add(request);
      mcpRequests.inc({ method: methodLabel(method), outcome: "forbidden" });
    },
    mcpHttpAnswer(request, status) {
      if (status < 400 || answered.has(request)) return;
      mcpRequests.inc({ method: UNREAD, outcome: outcomeOfStatus(status) });
    },
    toolCall(tool, isError, seconds) {
      const name = tools.has(tool) ? tool : OTHER;
      toolCalls.inc({ tool: name, outcome: isError ? "tool_error" : "ok" });
      toolDuration.observe({ tool: name }, seconds);
    },
    rateLimited: (limiter) => refusals.inc({ limiter }),
    schedulerDelay: (seconds) => schedulerDelay.observe(Math.max(0, seconds)),
    automationRun(status: RunStatus) {
      automationRuns.inc({ status: statuses.has(status) ? status : OTHER });
    },
    watch(next) {
      sources = { ...sources, ...next };
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
