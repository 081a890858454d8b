/**
 * Step 1 of the MCP pipeline (docs/authentication.md#the-request-pipeline): DNS-rebinding protection. A request whose Origin is not
 * allowed is refused, and while the server is bound to a loopback address so is one whose Host is
 * not a loopback name: a web page on another site cannot reach a local server through its browser.
 * The host of the public URL is always allowed, so a reverse proxy that passes the public Host
 * (Nginx's `proxy_set_header Host $host`) needs no MCP_ALLOWED_HOSTS entry.
 */
import { Elysia } from "elysia";
import { log } from "../../log.ts";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export interface OriginPolicy {
  /** The address the server listens on. */
  bindHost: string;
  /** The public base URL (MCP_SERVICE_URL or the derived one); its origin and its host are always allowed. */
  publicUrl: string;
  allowedOrigins: string[];
  allowedHosts: string[];
}

export const isLoopbackName = (hostname: string) => LOOPBACK_NAMES.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);

function hostnameOf(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return "";
  }
}

/** Null when the request may go on, else the sentence of the refusal. */
export function originRefusal(request: Request, policy: OriginPolicy): string | null {
  const host = request.headers.get("host") ?? "";
  const hostname = hostnameOf(host);
  const boundToLoopback = isLoopbackName(policy.bindHost);
  // Hostnames compare without the port: Nginx's $host carries none, and the name is what a rebinding attack changes.
  const isPublicHost = hostname !== "" && hostname === new URL(policy.publicUrl).hostname;
  const hostAllowed = isPublicHost || policy.allowedHosts.includes(host) || policy.allowedHosts.includes(hostname);
  const remedy = `set MCP_SERVICE_URL to the public URL that names it, or add it to MCP_ALLOWED_HOSTS`;
  if (boundToLoopback && !hostAllowed && !isLoopbackName(hostname)) return `Host "${host}" is not allowed for a server bound to ${policy.bindHost}; ${remedy}.`;
  if (!boundToLoopback && policy.allowedHosts.length > 0 && !hostAllowed) return `Host "${host}" is not in MCP_ALLOWED_HOSTS; ${remedy}.`;

  const origin = request.headers.get("origin");
  if (origin === null) return null;
  if (origin === new URL(policy.publicUrl).origin || policy.allowedOrigins.includes(origin)) return null;
  let originHost = "";
  try {
    originHost = new URL(origin).hostname;
  } catch {
    return `Origin "${origin}" is not a valid origin.`;
  }
  // A local page talking to a local server (the Inspector, a desktop client's webview) is fine.
  if (boundToLoopback && isLoopbackName(originHost)) return null;
  return `Origin "${origin}" is not allowed; add it to MCP_ALLOWED_ORIGINS.`;
}

/**
 * Logs a refusal at warn with the Host, the Origin and the sentence (which names the setting to
 * change): behind a proxy that rewrites Host, it is the operator's only clue to a wall of 403s.
 */
export function logOriginRefusal(request: Request, refusal: string): void {
  log.warn("request refused by the DNS-rebinding check", { host: request.headers.get("host") ?? "", origin: request.headers.get("origin"), path: new URL(request.url).pathname, reason: refusal });
}

export const originCheck = (policy: OriginPolicy) =>
  new Elysia({ name: "origin", seed: policy }).onBeforeHandle({ as: "scoped" }, function refuseForeignOrigin({ request }) {
    const refusal = originRefusal(request, policy);
    if (refusal === null) return;
    logOriginRefusal(request, refusal);
    return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: `Forbidden: ${refusal}` } }), {
      status: 403,
      headers: { "Content-Type": "application/json" },
    });
  });
