/**
 * Step 1 of the MCP pipeline (auth.md): DNS-rebinding protection. A request whose Origin is not
 * allowed is refused, and while the server is bound to a loopback address so is one whose Host is
 * not a loopback name: a web page on another site cannot reach a local server through its browser.
 */
import { Elysia } from "elysia";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export interface OriginPolicy {
  /** The address the server listens on. */
  bindHost: string;
  /** The public base URL (MCP_SERVICE_URL or the derived one); its origin is always allowed. */
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
  const boundToLoopback = isLoopbackName(policy.bindHost);
  const hostAllowed = policy.allowedHosts.includes(host) || policy.allowedHosts.includes(hostnameOf(host));
  if (boundToLoopback && !hostAllowed && !isLoopbackName(hostnameOf(host))) return `Host "${host}" is not allowed for a server bound to ${policy.bindHost}; add it to MCP_ALLOWED_HOSTS.`;
  if (!boundToLoopback && policy.allowedHosts.length > 0 && !hostAllowed) return `Host "${host}" is not in MCP_ALLOWED_HOSTS.`;

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

export const originCheck = (policy: OriginPolicy) =>
  new Elysia({ name: "origin", seed: policy }).onBeforeHandle({ as: "scoped" }, function refuseForeignOrigin({ request }) {
    const refusal = originRefusal(request, policy);
    if (refusal === null) return;
    return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: `Forbidden: ${refusal}` } }), {
      status: 403,
      headers: { "Content-Type": "application/json" },
    });
  });
