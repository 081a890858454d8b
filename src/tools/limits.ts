/**
 * The bounds of every tool input, in one place (README "Limits"). The schema builders below put
 * them into the valibot schemas, so tools/list shows them to clients as `maxLength`, `maxItems`
 * and `maximum`, and a value past one is refused with a sentence naming the field and its limit.
 *
 * Lengths count UTF-16 code units, as JavaScript and JSON Schema's maxLength do. A task's bounds
 * keep its whole JSON under the default response size guard (25,000 tokens ≈ 100,000 bytes) even
 * when every character is one JSON escapes as `\u0001` (6 bytes): a task that is stored can always
 * be read back.
 */
import * as v from "valibot";

export const LIMITS = {
  /** Task titles. */
  title: 500,
  /** Task descriptions (markdown). */
  description: 10_000,
  /** One task label, and the labels of one task. */
  label: 50,
  labels: 20,
  /** tasks_list `search`, organization_members_list `search`, automations_list `name`. */
  search: 200,
  /** Names of workspaces, projects and automations; agent preset ids. */
  name: 200,
  /** Ids that are not UUIDs: host ids, terminal ids, agent session ids, a task's id or slug. */
  id: 200,
  /** Prompts of agents and automations, and text typed into a terminal. */
  prompt: 100_000,
  /** A command run in a terminal or a new workspace. */
  command: 10_000,
  /** Folders on a host (localPath, parentDir, cwd). */
  path: 4000,
  /** Git URLs and pull-request URLs. */
  url: 2000,
  /** Git branch names (git itself allows no more than a path component of 255 bytes). */
  branch: 250,
  /** An IANA time zone name. */
  timezone: 100,
  /** An RRULE body. */
  rrule: 500,
  /** Agents started by one workspaces_create. */
  agents: 10,
  /** Attachment ids of one agent. */
  attachments: 20,
  /** tasks_list `offset`. */
  offset: 1_000_000,
  /** A task's estimate (points). */
  estimate: 1_000_000,
  /** A pull-request number (a PostgreSQL integer). */
  prNumber: 2_147_483_647,
  /** terminals_read `maxLines`. */
  lines: 10_000,
} as const;

const hasNoNul = (text: string) => !text.includes("\u0000");
// A lone surrogate is no character: PostgreSQL and UTF-8 cannot store it, and JSON.stringify would write it as an escape no client can decode.
const isWellFormed = (text: string) => text.isWellFormed();

const tooLong = (max: number) => `must be at most ${max} characters`;
const NUL_MESSAGE = "must not contain NUL characters";
const SURROGATE_MESSAGE = "must not contain unpaired UTF-16 surrogates";

/** A string of at most `max` characters (at least `min`, when given) with no NUL and no unpaired surrogate. */
export function boundedText(max: number, min = 0) {
  const tooShort = min === 1 ? "must not be empty" : `must be at least ${min} characters`;
  if (min > 0) return v.pipe(v.string(), v.minLength(min, tooShort), v.maxLength(max, tooLong(max)), v.check(hasNoNul, NUL_MESSAGE), v.check(isWellFormed, SURROGATE_MESSAGE));
  return v.pipe(v.string(), v.maxLength(max, tooLong(max)), v.check(hasNoNul, NUL_MESSAGE), v.check(isWellFormed, SURROGATE_MESSAGE));
}

/** An array of at most `max` items. */
export const boundedArray = <S extends v.GenericSchema>(item: S, max: number) => v.pipe(v.array(item), v.maxLength(max, `must have at most ${max} items`));

/** An integer from `min` to `max`. */
export const boundedInt = (min: number, max: number) => v.pipe(v.number(), v.integer("must be an integer"), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));

/** Longest excerpt of a caller's text (a key, a tool or method name) an error message repeats. */
export const ECHO_MAX_LENGTH = 100;

/** `text` as an error message may repeat it: cut to ECHO_MAX_LENGTH characters, with "…" when cut. */
export function echo(text: string): string {
  return (text.length <= ECHO_MAX_LENGTH ? text : `${text.slice(0, ECHO_MAX_LENGTH)}…`).toWellFormed();
}
