/**
 * `superset keys rotate | list`: rotation makes a key the server can sign with (encrypted with
 * the SECRET_KEY the server would use), keeps the previous one published for the access-token
 * lifetime plus the grace period, and list shows where each key stands.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createKeyRing, RETIRED_KEY_GRACE_SECONDS, SigningKeyDecryptionError } from "../../src/oauth/key-ring.ts";
import { createServices } from "../../src/services/index.ts";
import { cliWorkspace, runCli, type CliWorkspace } from "../helpers/cli.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

interface ListedKey {
  kid: string;
  algorithm: string;
  createdAt: string;
  retiredAt: string | null;
  publishedUntil: string | null;
  status: "current" | "published" | "expired";
}

let workspace: CliWorkspace;

beforeAll(() => {
  workspace = cliWorkspace();
});

const listKeys = async (configPath = workspace.configPath): Promise<ListedKey[]> => {
  const result = await runCli(["keys", "list", "--json", "--config", configPath], { cwd: workspace.dir });
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

/** The current key as a server with `secretKey` would load it. */
const currentKidWith = (secretKey: string) => workspace.withDatabase(async (db) => (await createKeyRing({ services: createServices(db), secretKey, accessTokenTtlSeconds: 3600 }).signingKey()).kid);

/** A config file beside the workspace's, on the same database, with `extra` keys. */
function configWith(name: string, extra: Record<string, unknown>): string {
  const path = join(workspace.dir, name);
  writeFileSync(path, `export default ${JSON.stringify({ DATABASE_URL: workspace.databaseUrl, ...extra })};\n`);
  return path;
}

test("dev mode: rotate makes the first key with the generated ./data/secret_key; a second rotate keeps the first published for TTL + grace", async () => {
  const empty = await workspace.run(["keys", "list"]);
  expect(empty).toEqual({ code: 0, stdout: 'No signing keys yet; the server makes the first when it first issues a token, or run "superset keys rotate".\n', stderr: "" });

  const first = await workspace.run(["keys", "rotate"]);
  expect(first.code).toBe(0);
  expect(first.stderr).toBe("");
  const firstKid = /^Made signing key (\S+);/.exec(first.stdout)![1]!;
  expect(first.stdout).toContain("There was no previous key.");
  const secretPath = join(workspace.dir, "data", "secret_key");
  expect(statSync(secretPath).mode & 0o777).toBe(0o600);
  const secretKey = readFileSync(secretPath, "utf8").trim();
  expect(await currentKidWith(secretKey)).toBe(firstKid);

  const second = await workspace.run(["keys", "rotate"]);
  expect(second.code).toBe(0);
  const secondKid = /^Made signing key (\S+);/.exec(second.stdout)![1]!;
  expect(secondKid).not.toBe(firstKid);
  const until = new RegExp(`^Key ${firstKid} is retired and stays published until (\\S+) \\(MCP_OAUTH_ACCESS_TOKEN_TTL 3600 s plus a grace period\\)`, "m").exec(second.stdout)![1]!;
  expect(await currentKidWith(secretKey)).toBe(secondKid);
  // The same SECRET_KEY was used again: the file was read, not replaced.
  expect(readFileSync(secretPath, "utf8").trim()).toBe(secretKey);

  const listed = await listKeys();
  expect(listed.map((key) => [key.kid, key.status])).toEqual([
    [secondKid, "current"],
    [firstKid, "published"],
  ]);
  const retired = listed[1]!;
  expect(retired.publishedUntil).toBe(until);
  expect(Date.parse(until) - Date.parse(retired.retiredAt!)).toBe((3600 + RETIRED_KEY_GRACE_SECONDS) * 1000);
  expect(listed[0]).toMatchObject({ algorithm: "ES256", retiredAt: null, publishedUntil: null });

  const table = await workspace.run(["keys", "list"]);
  const lines = table.stdout.trim().split("\n");
  expect(lines[0]).toMatch(/^KID\s+ALG\s+CREATED\s+RETIRED\s+PUBLISHED UNTIL\s+STATUS$/);
  expect(lines[1]).toMatch(new RegExp(`^${secondKid}\\s+ES256\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+-\\s+-\\s+current$`));
  expect(lines[2]).toMatch(new RegExp(`^${firstKid}\\s+ES256\\s+\\S+ \\S+\\s+\\S+ \\S+\\s+${until.slice(0, 10)} ${until.slice(11, 19)}\\s+published$`));
});

test("a configured SECRET_KEY and MCP_OAUTH_ACCESS_TOKEN_TTL are used; a key retired long ago shows as expired", async () => {
  const secretKey = "configured-secret-key-for-the-keys-test-0123456789";
  const configPath = configWith("configured.ts", { MCP_DEV_USERNAME: "admin", SECRET_KEY: secretKey, MCP_OAUTH_ACCESS_TOKEN_TTL: 60 });
  const rotated = await runCli(["keys", "rotate", "--config", configPath], { cwd: workspace.dir });
  expect(rotated.code).toBe(0);
  const kid = /^Made signing key (\S+);/.exec(rotated.stdout)![1]!;
  expect(rotated.stdout).toContain("(MCP_OAUTH_ACCESS_TOKEN_TTL 60 s plus a grace period)");
  expect(await currentKidWith(secretKey)).toBe(kid);
  // The dev-mode file's key does not open it.
  const devKey = readFileSync(join(workspace.dir, "data", "secret_key"), "utf8").trim();
  await expect(currentKidWith(devKey)).rejects.toBeInstanceOf(SigningKeyDecryptionError);

  await workspace.withDatabase((db) =>
    createServices(db).signingKeys.add({
      id: "old-kid",
      algorithm: "ES256",
      publicJwk: "{}",
      privateKey: "v1.x.y",
      createdAt: new Date("2020-01-01T00:00:00Z"),
      retiredAt: new Date("2020-02-01T00:00:00Z"),
    }),
  );
  const listed = await listKeys(configPath);
  expect(listed.find((key) => key.kid === "old-kid")).toEqual({
    kid: "old-kid",
    algorithm: "ES256",
    createdAt: "2020-01-01T00:00:00.000Z",
    retiredAt: "2020-02-01T00:00:00.000Z",
    publishedUntil: new Date(Date.parse("2020-02-01T00:00:00Z") + (60 + RETIRED_KEY_GRACE_SECONDS) * 1000).toISOString(),
    status: "expired",
  });
  expect(listed.filter((key) => key.status === "current").map((key) => key.kid)).toEqual([kid]);
});

test("auth on without SECRET_KEY: rotate refuses with one sentence and changes nothing", async () => {
  const configPath = configWith("auth-on.ts", { MCP_AUTH_ENABLED: true });
  const before = await listKeys();
  const result = await runCli(["keys", "rotate", "--config", configPath], { cwd: workspace.dir });
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).toContain("SECRET_KEY is not set while MCP_AUTH_ENABLED is true");
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(await listKeys()).toEqual(before);
});
