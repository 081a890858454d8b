/**
 * Which IP addresses this server may fetch a client's metadata document from (the SSRF rule of
 * the Client ID Metadata Document draft §6.5): only globally routable unicast addresses. Loopback,
 * private, shared (CGNAT), link-local, documentation, benchmarking, multicast, reserved and
 * "this network" ranges are refused, in IPv4 and IPv6, and an IPv6 address that carries an IPv4
 * one (mapped, compatible, NAT64, 6to4, Teredo) is refused rather than unwrapped, since a
 * legitimate client publishes its document on a plain address.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";

const IPV4_NOT_PUBLIC: [string, number][] = [
  ["0.0.0.0", 8], // "this network", 0.0.0.0 itself
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // shared address space (CGNAT)
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, where cloud metadata services answer
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and 255.255.255.255
];

const IPV6_NOT_PUBLIC: [string, number][] = [
  ["::", 96], // unspecified, loopback, IPv4-compatible
  ["::ffff:0:0", 96], // IPv4-mapped
  ["64:ff9b::", 96], // NAT64
  ["64:ff9b:1::", 48],
  ["100::", 64], // discard
  ["2001::", 23], // IETF protocol assignments, Teredo among them
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4
  ["3fff::", 20], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local
  ["ff00::", 8], // multicast
];

// Two lists: a BlockList also matches IPv4 addresses against IPv6 rules such as ::/96.
const notPublicV4 = new BlockList();
for (const [network, prefix] of IPV4_NOT_PUBLIC) notPublicV4.addSubnet(network, prefix, "ipv4");
const notPublicV6 = new BlockList();
for (const [network, prefix] of IPV6_NOT_PUBLIC) notPublicV6.addSubnet(network, prefix, "ipv6");
// Only 2000::/3 is allocated for global unicast; anything outside it is not a public host.
const globalUnicast = new BlockList();
globalUnicast.addSubnet("2000::", 3, "ipv6");

/** True when `address` (an IPv4 or IPv6 literal, without brackets or zone) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return !notPublicV4.check(address, "ipv4");
  if (!isIPv6(address) || address.includes("%")) return false;
  return globalUnicast.check(address, "ipv6") && !notPublicV6.check(address, "ipv6");
}
