/** Config errors: one sentence naming the key and where its value came from. */
import type * as v from "valibot";
import { configSchema } from "./schema.ts";

/** A configuration the server cannot start with; the CLI prints the message alone (no stack). */
export class ConfigError extends Error {
  override name = "ConfigError";
  /** `where` is the file path, "the environment" or "the command line". */
  constructor(where: string, detail: string) {
    super(`Config error in ${where}: ${detail}`);
  }
}

// Values of these keys are never echoed in an error: the message may end up in a shared log.
const SECRET_KEYS = new Set(["MCP_JWT_SECRET", "SECRET_KEY"]);
const URL_KEYS = new Set(["DATABASE_URL", "CACHE_REDIS_URL"]);

/** Turns the first valibot issue into a sentence, e.g. `MCP_SERVICE_PORT must be an integer … (got "abc").` */
export function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = issue.path ?? [];
  const last = path.at(-1);
  const parentKeys = path.slice(0, -1).map((item) => item.key);
  if (issue.type === "strict_object" && issue.expected === "never" && last?.origin === "key") {
    const key = String(last.key);
    const name = [...parentKeys, key].join(".");
    const suggestion = nearest(key, knownKeysAt(parentKeys));
    return `unknown key "${name}"${suggestion ? `; did you mean "${[...parentKeys, suggestion].join(".")}"?` : "."}`;
  }
  if (issue.type === "strict_object" && last?.origin === "key") {
    return `${[...parentKeys, String(last.key)].join(".")} is required.`;
  }
  const name = path.reduce((acc: string, item) => (typeof item.key === "number" ? `${acc}[${item.key}]` : acc ? `${acc}.${String(item.key)}` : String(item.key)), "");
  const subject = name || "the default export";
  return `${subject} ${issue.message} (got ${show(
    issue.input,
    path.map((item) => String(item.key)),
  )}).`;
}

function show(value: unknown, keys: string[]): string {
  const key = keys.find((k) => SECRET_KEYS.has(k) || URL_KEYS.has(k));
  if (key && typeof value === "string") return URL_KEYS.has(key) ? JSON.stringify(redactUrl(value)) : "a string, not shown";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** Replaces the password of `scheme://user:password@host/…` by "[redacted]", keeping the rest. */
export function redactUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)([^?#]*)@/i.exec(url);
  // Greedy up to the last "@" before the query, because an unencoded password may contain "@" or "/".
  return match ? `${match[1]}[redacted]@${url.slice(match[0].length)}` : url;
}

/** The parts of a valibot schema object walked below (entries of objects, values of records, wrapped of nullable). */
interface SchemaNode {
  type: string;
  entries?: Record<string, SchemaNode>;
  value?: SchemaNode;
  wrapped?: SchemaNode;
}

/** Keys the schema allows at a nested path (record levels such as AGENT_PRESETS.<id> are skipped). */
function knownKeysAt(path: unknown[]): string[] {
  let node: SchemaNode | undefined = configSchema as SchemaNode;
  for (const key of path) {
    node = node.type === "record" ? node.value : node.entries?.[String(key)];
    while (node?.wrapped) node = node.wrapped;
    if (!node) return [];
  }
  return Object.keys(node.entries ?? {});
}

/** The candidate closest to `word` (case-insensitive edit distance), if it is close enough to be a typo. */
export function nearest(word: string, candidates: string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(word.length / 3)) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
