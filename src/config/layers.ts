/** The layers stacked over the defaults: the config file, then environment variables, then CLI flags. */
import type * as v from "valibot";
import { ConfigError } from "./errors.ts";
import { configSchema } from "./schema.ts";

/** Where each top-level key's value came from, so a validation error can name the right source. */
export type Sources = Map<string, string>;

/**
 * Merges `layer` into `base` in place. Dictionaries are deep-merged so setting one sub-key keeps
 * its siblings (the Python original replaced the whole dict and silently dropped excluded_tools).
 * `undefined` means "not set", so `KEY: process.env.KEY` in a config file falls back to the default.
 */
export function mergeLayer(base: Record<string, unknown>, layer: Record<string, unknown>, where: string, sources: Sources): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    sources.set(key, where);
    // A preset is a whole command line: merging a user's preset with a built-in one of the same id
    // would splice the built-in's arguments onto another program, so presets replace by id.
    base[key] = key === "AGENT_PRESETS" ? mergePlain(base[key], value, 1) : mergePlain(base[key], value, Infinity);
  }
}

function mergePlain(base: unknown, patch: unknown, depth: number): unknown {
  if (depth <= 0 || !isPlainObject(base) || !isPlainObject(patch)) return patch;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) merged[key] = mergePlain(base[key], value, depth - 1);
  }
  return merged;
}

/** True for `{…}` literals, false for arrays, functions, class instances and null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

type ScalarKind = "string" | "number" | "boolean";

/** The scalar type of a top-level key, or null for lists, dictionaries and functions (not settable from the environment). */
function scalarKind(schema: v.GenericSchema): ScalarKind | null {
  const s = schema as { type: string; wrapped?: v.GenericSchema; options?: v.GenericSchema[] };
  if (s.wrapped) return scalarKind(s.wrapped);
  if (s.type === "string" || s.type === "picklist") return "string";
  if (s.type === "number" || s.type === "boolean") return s.type;
  // MCP_JWT_ISSUER / MCP_JWT_AUDIENCE accept a string or a list; from the environment, a string.
  if (s.type === "union") return s.options?.some((o) => scalarKind(o) === "string") ? "string" : null;
  return null;
}

/** The top-level keys an environment variable of the same name can set, with the type it is read as. */
export const ENV_KEYS: [string, ScalarKind][] = Object.entries(configSchema.entries).flatMap(([key, schema]) => {
  const kind = scalarKind(schema as v.GenericSchema);
  return kind ? [[key, kind] as [string, ScalarKind]] : [];
});

/**
 * The environment layer: every top-level scalar key can be set by a variable of the same name.
 * An empty variable counts as unset, because shells and compose files export empty ones for "no value".
 */
export function environmentLayer(env: Record<string, string | undefined>): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  for (const [key, kind] of ENV_KEYS) {
    const raw = env[key];
    if (raw === undefined || raw === "") continue;
    layer[key] = convert(key, kind, raw);
  }
  return layer;
}

function convert(key: string, kind: ScalarKind, raw: string): string | number | boolean {
  if (kind === "string") return raw;
  const value = raw.trim();
  if (kind === "number") {
    if (/^-?\d+$/.test(value)) return Number(value);
    throw new ConfigError("the environment", `${key} must be an integer (got ${JSON.stringify(raw)}).`);
  }
  const lower = value.toLowerCase();
  if (lower === "true" || lower === "1") return true;
  if (lower === "false" || lower === "0") return false;
  throw new ConfigError("the environment", `${key} must be true, false, 1 or 0 (got ${JSON.stringify(raw)}).`);
}
