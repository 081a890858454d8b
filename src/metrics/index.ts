/**
 * What the rest of the server reports to /metrics, behind one interface. With MCP_METRICS_ENABLED
 * off (the default) every caller holds NO_METRICS, whose methods do nothing, and prom-client is
 * never loaded: it costs about 17 MB of resident memory and 100 ms to import.
 */
import type { ResolvedConfig } from "../config/schema.ts";
import type { RunStatus } from "../db/schema/values.ts";
import type { JsonRpcResponse } from "../mcp/jsonrpc.ts";

/** How an MCP request ended, as the `outcome` label of superset_mcp_requests_total. */
export type McpOutcome = "ok" | "tool_error" | "protocol_error" | "internal_error" | "unauthorized" | "forbidden" | "rate_limited";

/** The limiters whose refusals are counted (superset_rate_limit_refusals_total). */
export const LIMITERS = ["mcp", "signin", "registration", "token"] as const;
export type Limiter = (typeof LIMITERS)[number];

/** Readings taken when Prometheus scrapes, so nothing is counted on the way. */
export interface GaugeSources {
  openSessions?: () => number;
  /** Across the fleet (presence in Redis when the store is on), so every replica reports the same figure. */
  hostsOnline?: () => number | Promise<number>;
  /** Connected to this process. */
  hostsConnected?: () => number;
}

/** Every method is cheap and never throws; label values are bounded by the implementation, whatever a client sends. */
export interface Metrics {
  /** False for NO_METRICS: callers skip hooks and layers that exist only to measure. */
  readonly enabled: boolean;
  /** One HTTP answer: the matched route pattern (undefined when no route matched), method, status, seconds since it arrived. */
  httpRequest(route: string | undefined, method: string, status: number, seconds: number): void;
  /** The answer to one JSON-RPC request of `request`, its outcome read from `response`. */
  mcpAnswer(request: Request, method: string, response: JsonRpcResponse): void;
  /** A JSON-RPC request of `request` refused with HTTP 403 for a tool scope its credential lacks. */
  mcpForbidden(request: Request, method: string): void;
  /** An answer of the MCP endpoint: counted from its status when no JSON-RPC outcome was recorded for `request` (refused before dispatch). */
  mcpHttpAnswer(request: Request, status: number): void;
  /** One tool call through the pipeline: the tool's name, whether it answered isError, and its seconds. */
  toolCall(tool: string, isError: boolean, seconds: number): void;
  rateLimited(limiter: Limiter): void;
  /** Seconds between when a scheduled run was due and when the scheduler claimed it. */
  schedulerDelay(seconds: number): void;
  /** A run of an automation reached `status` in this process. */
  automationRun(status: RunStatus): void;
  watch(sources: GaugeSources): void;
  /** The exposition text and its Content-Type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

const nothing = () => {};

/** Metrics off: every report is dropped and nothing is exposed. */
export const NO_METRICS: Metrics = {
  enabled: false,
  httpRequest: nothing,
  mcpAnswer: nothing,
  mcpForbidden: nothing,
  mcpHttpAnswer: nothing,
  toolCall: nothing,
  rateLimited: nothing,
  schedulerDelay: nothing,
  automationRun: nothing,
  watch: nothing,
  scrape: () => Promise.reject(new Error("metrics are off (MCP_METRICS_ENABLED is false)")),
};

/**
 * NO_METRICS when MCP_METRICS_ENABLED is false; else a fresh registry (its own, so two apps in
 * one process never share counters), loading prom-client on first use. `toolNames` are the only
 * values the `tool` label takes; any other name counts as "other".
 */
export async function createMetrics(config: Pick<ResolvedConfig, "MCP_METRICS_ENABLED">, toolNames: readonly string[]): Promise<Metrics> {
  if (!config.MCP_METRICS_ENABLED) return NO_METRICS;
  const { createPrometheusMetrics } = await import("./prometheus.ts");
  return createPrometheusMetrics(toolNames);
}
