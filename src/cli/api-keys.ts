/** `superset api-keys …`: keys for headless clients (docs/authentication.md#api-keys), shown once at creation, listed by prefix, revoked by id or prefix. */
import { TOOL_SCOPES } from "../auth/scopes.ts";
import type { ApiKeyInfo } from "../services/api-keys.ts";
import { CONFIG_OPTION, UsageError, type Command, type OptionSpec } from "./command.ts";
import { JSON_OPTION, onePositional, printJson, printTable, withServices } from "./shared.ts";

const ORG_OPTION: Record<string, OptionSpec> = { org: { type: "string", description: "Slug (or id) of the organization", valueName: "SLUG" } };
const USER_OPTION: Record<string, OptionSpec> = { user: { type: "string", description: "Username (or id) of the key's user", valueName: "USERNAME" } };

const HOUR_MS = 3_600_000;
const DURATION_PATTERN = /^(\d+)([dh])$/;
const ISO_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The expiry an `--expires` value names, counted from `now`: `Nd` or `Nh` (N at least 1), an ISO
 * 8601 date or date-time (a bare date is midnight UTC), or `never` (null).
 */
export function parseExpiry(text: string, now: Date): Date | null {
  if (text === "never") return null;
  const duration = DURATION_PATTERN.exec(text);
  if (duration) {
    const count = Number(duration[1]);
    if (count < 1) throw new UsageError(`--expires ${text} is not in the future; give at least 1${duration[2]}, a date, or never.`);
    return new Date(now.getTime() + count * (duration[2] === "d" ? 24 : 1) * HOUR_MS);
  }
  const date = ISO_DATE_PATTERN.test(text) ? new Date(text) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new UsageError(`--expires must be a number of days or hours (90d, 12h), an ISO date (2030-12-31), or never (got "${text}").`);
  return date;
}

/** `--scope` values, each of which may list several scopes separated by commas or spaces. */
function parseScopes(values: unknown): string[] | undefined {
  if (values === undefined) return undefined;
  return (values as string[]).flatMap((value) => value.split(/[\s,]+/)).filter(Boolean);
}

/** Whether a key still works, as the list shows it. */
function keyStatus(key: ApiKeyInfo, now: Date): "active" | "revoked" | "expired" {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && Date.parse(key.expiresAt) <= now.getTime()) return "expired";
  return "active";
}

/** `2030-01-31 14:05` (UTC): enough to read in a table. */
const shortTime = (iso: string | null, none: string): string => (iso ? iso.slice(0, 16).replace("T", " ") : none);

const apiKeysCreate: Command = {
  path: ["api-keys", "create"],
  summary: "Create an API key for a user in an organization; the key is printed once",
  options: {
    ...USER_OPTION,
    ...ORG_OPTION,
    name: { type: "string", description: "A name to recognise the key by (default: its creation date)", valueName: "NAME" },
    scope: { type: "string", multiple: true, description: `Scope the key carries: ${TOOL_SCOPES.join(" or ")}, several separated by commas (default: all)`, valueName: "SCOPE" },
    expires: { type: "string", description: "When the key stops working: 90d, 12h, an ISO date, or never (default)", valueName: "WHEN" },
    json: { ...JSON_OPTION.json, description: "Print the key and its details as JSON" },
    ...CONFIG_OPTION,
  },
  async run({ values }) {
    if (values.user === undefined || values.org === undefined) throw new UsageError('Missing --user or --org: run "superset api-keys create --user USERNAME --org SLUG".');
    const expiresAt = values.expires === undefined ? null : parseExpiry(values.expires as string, new Date());
    const scopes = parseScopes(values.scope);
    return withServices(values, async (services) => {
      const { key, apiKey } = await services.apiKeys.create({ user: values.user as string, organization: values.org as string, name: values.name as string | undefined, scopes, expiresAt });
      if (values.json) {
        printJson({ key, ...apiKey });
        return 0;
      }
      console.log(`Created API key "${apiKey.name}" for ${apiKey.username} in ${apiKey.organizationSlug}:\n\n  ${key}\n`);
      console.log("Copy it now: it will not be shown again.\n");
      const details = { id: apiKey.id, prefix: apiKey.prefix, scopes: apiKey.scopes.join(" "), expires: apiKey.expiresAt ?? "never" };
      for (const [label, value] of Object.entries(details)) console.log(`${`${label}:`.padEnd(9)}${value}`);
      return 0;
    });
  },
};

const apiKeysList: Command = {
  path: ["api-keys", "list"],
  summary: "List API keys (by prefix, never the key), newest first",
  options: {
    ...ORG_OPTION,
    ...USER_OPTION,
    all: { type: "boolean", description: "Include revoked keys" },
    ...JSON_OPTION,
    ...CONFIG_OPTION,
  },
  async run({ values }) {
    return withServices(values, async (services) => {
      const keys = await services.apiKeys.list({ organization: values.org as string | undefined, user: values.user as string | undefined, includeRevoked: values.all === true });
      const now = new Date();
      if (values.json) printJson(keys.map((key) => ({ ...key, status: keyStatus(key, now) })));
      else if (keys.length === 0) console.log(`No API keys${values.all ? "" : " in use"}; create one with "superset api-keys create --user USERNAME --org SLUG".`);
      else
        printTable(
          ["NAME", "PREFIX", "USER", "ORG", "SCOPES", "CREATED", "LAST USED", "EXPIRES", "STATUS", "ID"],
          keys.map((key) => [
            key.name,
            key.prefix,
            key.username,
            key.organizationSlug,
            key.scopes.join(" "),
            shortTime(key.createdAt, ""),
            shortTime(key.lastUsedAt, "never"),
            shortTime(key.expiresAt, "never"),
            keyStatus(key, now),
            key.id,
          ]),
        );
      return 0;
    });
  },
};

const apiKeysRevoke: Command = {
  path: ["api-keys", "revoke"],
  summary: "Revoke an API key by id or prefix; it stops working at once, on every server",
  positionals: "<id-or-prefix>",
  options: { org: { ...ORG_OPTION.org!, description: "Only look for the key in this organization" }, ...CONFIG_OPTION },
  async run(args) {
    const idOrPrefix = onePositional(args, "<id-or-prefix>", "api-keys revoke");
    return withServices(args.values, async (services) => {
      const startedAt = Date.now();
      const key = await services.apiKeys.revoke(idOrPrefix, { organization: args.values.org as string | undefined });
      const named = `API key "${key.name}" (${key.prefix}, id ${key.id}) of ${key.username} in ${key.organizationSlug}`;
      if (Date.parse(key.revokedAt!) < startedAt) console.log(`${named} was already revoked at ${key.revokedAt}.`);
      else console.log(`Revoked ${named}.`);
      return 0;
    });
  },
};

/** The `superset api-keys …` commands. */
export const apiKeyCommands: Command[] = [apiKeysCreate, apiKeysList, apiKeysRevoke];
