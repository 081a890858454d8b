/**
 * The client address behind reverse proxies (MCP_TRUSTED_PROXIES), the one every per-address limit
 * counts under: the MCP rate limit, the sign-in limiter and the OAuth registration limit.
 *
 * Forwarding headers are believed only from a peer in the trusted list, since anyone else can write
 * them. X-Forwarded-For is read from the right: each proxy appends the address it received the
 * request from (Nginx's `$proxy_add_x_forwarded_for`), so the entries right of the first untrusted
 * one were written by our own proxies and that entry is the client as our outermost proxy saw it;
 * everything left of it, the left-most entry above all, is whatever the client chose to send.
 *
 * X-Forwarded-Proto is not read: nothing in this server derives a URL or a cookie attribute from
 * the request's scheme. Links, the OAuth issuer and the Secure cookie flag come from the public URL
 * (MCP_SERVICE_URL, or the one derived from host and port).
 */
import { BlockList, isIP } from "node:net";
import type { Server } from "bun";
import { parseAddressRange } from "../../config/fields.ts";

/** Hops of X-Forwarded-For walked from the right; a real chain is a few proxies long, a longer one is a client's invention. */
const MAX_FORWARDED_HOPS = 16;

/** The trusted-proxy list as net.BlockList (IPv4 rules also match IPv4-mapped IPv6 peers); entries were validated at config load. */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const range = parseAddressRange(entry);
    if (!range) throw new Error(`MCP_TRUSTED_PROXIES entry "${entry}" is not an IP address or CIDR range.`);
    list.addSubnet(range.network, range.prefix, range.family);
  }
  return list;
}

const familyOf = (address: string) => (isIP(address) === 6 ? "ipv6" : "ipv4");
// One client is one bucket whether it reached a dual-stack socket as ::ffff:192.0.2.1 or 192.0.2.1.
const unmapped = (address: string) => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
const isTrusted = (address: string, trusted: BlockList) => isIP(address) !== 0 && trusted.check(address, familyOf(address));

/**
 * The client's address: the socket peer; when that peer is a trusted proxy, the right-most
 * X-Forwarded-For entry that is not a trusted proxy, else X-Real-IP, else the peer. Entries that
 * are not IP addresses are never returned; an IPv4-mapped address is returned as IPv4. "unknown" without a server (app.handle in tests).
 */
export function clientAddress(request: Request, server: Server<unknown> | null | undefined, trusted: BlockList): string {
  const peer = server?.requestIP(request)?.address;
  if (!peer) return "unknown";
  if (!isTrusted(peer, trusted)) return unmapped(peer);
  const hops = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean)
    .reverse()
    .slice(0, MAX_FORWARDED_HOPS);
  for (const hop of hops) {
    // A malformed hop cannot have come from a proxy that appends real addresses: stop believing the chain there.
    if (isIP(hop) === 0) break;
    if (!isTrusted(hop, trusted)) return unmapped(hop);
  }
  const realIp = request.headers.get("x-real-ip")?.trim() ?? "";
  return unmapped(isIP(realIp) !== 0 ? realIp : peer);
}

const LOOPBACK = trustedProxyList(["127.0.0.0/8", "::1"]);

/** True for 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6: a peer on this machine. */
export const isLoopbackAddress = (address: string) => isTrusted(address, LOOPBACK);
