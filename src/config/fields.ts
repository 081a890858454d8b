/**
 * Field builders for the config schema. Each carries the phrase a config error ends with
 * ("MCP_SERVICE_PORT must be an integer between 1 and 65535"), so every rule has one message.
 */
import { isIP } from "node:net";
import * as v from "valibot";

/** A string; `nonEmpty` refuses "" where an empty value can only be a mistake. */
export function text(nonEmpty = false) {
  const message = nonEmpty ? "must be a non-empty string" : "must be a string";
  return v.pipe(
    v.string(message),
    v.check((s) => !nonEmpty || s.length > 0, message),
  );
}

/** A string or null (Python's `None`). */
export function optionalText() {
  return v.nullable(v.string("must be a string or null"));
}

/** true or false. */
export function flag() {
  return v.boolean("must be true or false");
}

/** An integer in [min, max]; the message names both ends, or only `min` when there is no upper end. */
export function int(min: number, max?: number) {
  const message = max === undefined ? `must be an integer of at least ${min}` : `must be an integer between ${min} and ${max}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max ?? Number.MAX_SAFE_INTEGER, message));
}

/** A list of strings. */
export function stringList() {
  return v.array(v.string("must be a string"), "must be a list of strings");
}

/** One of a fixed set of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(options: T) {
  return v.picklist(options, `must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}`);
}

/** A string, a list of strings, or null (JWT `iss`/`aud` settings accept either form). */
export function optionalTextOrList() {
  const message = "must be a string, a list of strings or null";
  return v.nullable(v.union([v.string(message), v.array(v.string(message), message)], message));
}

/**
 * A URL whose scheme is one of `schemes`, e.g. `["postgres", "postgresql", "sqlite"]`. Only the
 * scheme is checked: `sqlite://:memory:` and relative SQLite paths are not WHATWG-parseable URLs.
 */
export function urlWithScheme(schemes: readonly string[]) {
  const message = `must be a URL starting with ${schemes.map((s) => `${s}://`).join(", ")}`;
  return v.pipe(
    v.string(message),
    v.check((s) => schemes.some((scheme) => s.startsWith(`${scheme}://`)), message),
  );
}

/** A nested dictionary; unknown sub-keys are refused like unknown top-level keys. */
export function dict<const T extends v.ObjectEntries>(entries: T) {
  return v.strictObject(entries, "must be an object");
}

/** One IP address or CIDR range, split for net.BlockList; null when `entry` is neither. */
export function parseAddressRange(entry: string): { network: string; prefix: number; family: "ipv4" | "ipv6" } | null {
  const [network = "", prefixText, ...rest] = entry.trim().split("/");
  const version = isIP(network);
  if (version === 0 || rest.length > 0) return null;
  const family = version === 4 ? "ipv4" : "ipv6";
  const maxPrefix = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { network, prefix: maxPrefix, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) return null;
  return { network, prefix: Number(prefixText), family };
}

/** A list of IP addresses and CIDR ranges ("127.0.0.0/8", "::1", "10.0.0.5"). */
export function addressRangeList() {
  const message = 'must be an IP address or a CIDR range such as "10.0.0.0/8" or "fd00::/8"';
  return v.array(
    v.pipe(
      v.string(message),
      v.check((entry) => parseAddressRange(entry) !== null, message),
    ),
    "must be a list of IP addresses or CIDR ranges",
  );
}
