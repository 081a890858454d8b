/**
 * GET /metrics in the Prometheus text format, mounted only when MCP_METRICS_ENABLED is on. Who may
 * read it: with MCP_METRICS_TOKEN set, a request bearing that token; else, with authentication on,
 * only a loopback peer that carries no forwarding header (Nginx on this machine is a loopback peer
 * too, and adds those headers to what it proxies); in dev mode, anyone, like the rest of the server.
 */
import { timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import type { Server } from "bun";
import { readCredential } from "../../auth/credentials.ts";
import { sha256Hex } from "../../auth/digest.ts";
import type { Metrics } from "../../metrics/index.ts";
import { isLoopbackAddress } from "../pipeline/client-address.ts";

export const METRICS_PATH = "/metrics";

/** Headers a reverse proxy adds: their presence means the client is elsewhere, whatever the socket says. */
const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip"];

export interface MetricsRouteOptions {
  metrics: Metrics;
  /** MCP_METRICS_TOKEN. */
  token: string | null;
  /** MCP_AUTH_ENABLED. */
  authEnabled: boolean;
}

function refusal(status: 401 | 403, message: string): Response {
  const headers: Record<string, string> = { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" };
  if (status === 401) headers["WWW-Authenticate"] = 'Bearer realm="metrics"';
  return new Response(`${message}\n`, { status, headers });
}

/** Compares digests, so neither the token's characters nor its length leak through timing. */
function isToken(presented: string, token: string): boolean {
  return timingSafeEqual(Buffer.from(sha256Hex(presented)), Buffer.from(sha256Hex(token)));
}

/** Null when the request may read the metrics, else the answer refusing it with a sentence. */
export function metricsRefusal(request: Request, server: Server<unknown> | null | undefined, { token, authEnabled }: Omit<MetricsRouteOptions, "metrics">): Response | null {
  if (token !== null) {
    const credential = readCredential(request);
    if (credential.kind !== "token" || credential.source !== "authorization") {
      return refusal(401, "Metrics need the bearer token of MCP_METRICS_TOKEN: send Authorization: Bearer <token> (Prometheus: authorization.credentials in the scrape config).");
    }
    return isToken(credential.token, token) ? null : refusal(401, "The bearer token is not MCP_METRICS_TOKEN.");
  }
  if (!authEnabled) return null;
  const peer = server?.requestIP(request)?.address;
  if (!peer || !isLoopbackAddress(peer)) {
    return refusal(403, "Metrics are served only to this machine while MCP_METRICS_TOKEN is not set: scrape from 127.0.0.1, or set MCP_METRICS_TOKEN and send it as a bearer token.");
  }
  const forwarded = FORWARDING_HEADERS.find((name) => request.headers.has(name));
  if (forwarded) {
    return refusal(
      403,
      `Metrics are not served through a proxy (this request carries ${forwarded}) while MCP_METRICS_TOKEN is not set: scrape the server's own address from this machine, or set MCP_METRICS_TOKEN.`,
    );
  }
  return null;
}

export const metricsRoute = (options: MetricsRouteOptions) =>
  new Elysia({ name: "metrics" }).get(METRICS_PATH, async function scrapeMetrics({ request, server }) {
    const refused = metricsRefusal(request, server, options);
    if (refused) return refused;
    const { contentType, body } = await options.metrics.scrape();
    return new Response(body, { headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
  });
