/**
 * Counts and times every HTTP answer of the app for /metrics (superset_http_requests_total and
 * superset_http_request_duration_seconds). Used only when metrics are on: with them off the app
 * has no such hooks, so a request pays nothing for them.
 */
import { Elysia, StatusMap } from "elysia";
import type { Metrics } from "../../metrics/index.ts";

/** The status of an answer: a Response's own, else what the handler set (a number or a status name). */
export function answeredStatus(responseValue: unknown, status: number | string | undefined): number {
  if (responseValue instanceof Response) return responseValue.status;
  if (typeof status === "number") return status;
  return (status && StatusMap[status as keyof typeof StatusMap]) || 200;
}

export function requestMetrics(metrics: Metrics) {
  const arrivedAt = new WeakMap<Request, number>();
  return new Elysia({ name: "request-metrics" })
    .onRequest(function noteArrival({ request }) {
      arrivedAt.set(request, performance.now());
    })
    .onAfterResponse({ as: "global" }, function recordAnswer({ request, route, responseValue, set }) {
      const started = arrivedAt.get(request);
      const seconds = started === undefined ? 0 : (performance.now() - started) / 1000;
      // `route` is the matched pattern ("/mcp", "/oauth/authorize"), never the raw path, so the label stays bounded.
      metrics.httpRequest(route || undefined, request.method, answeredStatus(responseValue, set.status), seconds);
    });
}
