/**
 * `superset keys …`: the OAuth server's signing keys. `rotate` makes a new current key and
 * keeps the previous one published until the access tokens it signed have expired; `list` shows
 * every key and until when it is published.
 */
import { loadConfig } from "../config/load.ts";
import { devSecretKeyDir, resolveSecretKey } from "../config/secret-key.ts";
import { createKeyRing, publishedUntil } from "../oauth/key-ring.ts";
import type { SigningKeyRow } from "../services/signing-keys.ts";
import { CONFIG_OPTION, UsageError, type Command, type ParsedArgs } from "./command.ts";
import { JSON_OPTION, printJson, printTable, withServices } from "./shared.ts";

/** What `list` says about a key at `now`. */
function keyStatus(row: SigningKeyRow, ttlSeconds: number, now: Date): "current" | "published" | "expired" {
  const until = publishedUntil(row, ttlSeconds);
  if (until === null) return "current";
  return until.getTime() > now.getTime() ? "published" : "expired";
}

/** `2030-01-31 14:05:09` (UTC). */
const shortTime = (date: Date | null, none: string): string => (date ? date.toISOString().slice(0, 19).replace("T", " ") : none);

async function loadedConfig(values: ParsedArgs["values"]) {
  return loadConfig({ path: values.config as string | undefined });
}

const keysRotate: Command = {
  path: ["keys", "rotate"],
  summary: "Make a new OAuth signing key; the previous one stays published until the tokens it signed expire",
  options: { ...CONFIG_OPTION },
  async run({ values }) {
    const { config, baseDir } = await loadedConfig(values);
    let secretKey: string;
    try {
      // As the server resolves it: the configured SECRET_KEY, else the dev-mode key file beside the database.
      secretKey = await resolveSecretKey(config, { dataDir: devSecretKeyDir(config.DATABASE_URL, baseDir) });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const ttlSeconds = config.MCP_OAUTH_ACCESS_TOKEN_TTL;
    return withServices(values, async (services) => {
      const previous = (await services.signingKeys.list()).filter((row) => row.retiredAt === null);
      const { kid } = await createKeyRing({ services, secretKey, accessTokenTtlSeconds: ttlSeconds }).rotate();
      console.log(`Made signing key ${kid}; new access tokens are signed with it (a running server switches within a minute).`);
      const retired = (await services.signingKeys.list()).filter((row) => previous.some((old) => old.id === row.id));
      for (const row of retired) {
        console.log(
          `Key ${row.id} is retired and stays published until ${publishedUntil(row, ttlSeconds)!.toISOString()} (MCP_OAUTH_ACCESS_TOKEN_TTL ${ttlSeconds} s plus a grace period), so the tokens it signed keep working until they expire.`,
        );
      }
      if (retired.length === 0) console.log("There was no previous key.");
      return 0;
    });
  },
};

const keysList: Command = {
  path: ["keys", "list"],
  summary: "List the OAuth signing keys: created, retired, and until when each is published",
  options: { ...JSON_OPTION, ...CONFIG_OPTION },
  async run({ values }) {
    const ttlSeconds = (await loadedConfig(values)).config.MCP_OAUTH_ACCESS_TOKEN_TTL;
    return withServices(values, async (services) => {
      const rows = await services.signingKeys.list();
      const now = new Date();
      if (values.json) {
        printJson(
          rows.map((row) => ({
            kid: row.id,
            algorithm: row.algorithm,
            createdAt: row.createdAt.toISOString(),
            retiredAt: row.retiredAt?.toISOString() ?? null,
            publishedUntil: publishedUntil(row, ttlSeconds)?.toISOString() ?? null,
            status: keyStatus(row, ttlSeconds, now),
          })),
        );
      } else if (rows.length === 0) {
        console.log('No signing keys yet; the server makes the first when it first issues a token, or run "superset keys rotate".');
      } else {
        printTable(
          ["KID", "ALG", "CREATED", "RETIRED", "PUBLISHED UNTIL", "STATUS"],
          rows.map((row) => [row.id, row.algorithm, shortTime(row.createdAt, ""), shortTime(row.retiredAt, "-"), shortTime(publishedUntil(row, ttlSeconds), "-"), keyStatus(row, ttlSeconds, now)]),
        );
      }
      return 0;
    });
  },
};

/** The `superset keys …` commands. */
export const keyCommands: Command[] = [keysRotate, keysList];
