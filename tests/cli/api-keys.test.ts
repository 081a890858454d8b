/** `superset api-keys …`: create (the key printed once), list (prefix, never the key), revoke, and the refusals. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { parseExpiry } from "../../src/cli/api-keys.ts";
import { UsageError } from "../../src/cli/command.ts";
import { createServices } from "../../src/services/index.ts";
import { cliWorkspace, type CliWorkspace } from "../helpers/cli.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

let workspace: CliWorkspace;

interface ListedKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  username: string;
  organizationSlug: string;
  expiresAt: string | null;
  revokedAt: string | null;
  status: string;
}

const listKeys = async (...args: string[]): Promise<ListedKey[]> => JSON.parse((await workspace.run(["api-keys", "list", "--json", ...args])).stdout);
const authenticate = (key: string) => workspace.withDatabase((db) => createServices(db).apiKeys.authenticate(key));
const KEY_LINE = /^ {2}(sk_live_[A-Za-z0-9_-]{43})$/m;

beforeAll(async () => {
  workspace = cliWorkspace();
  expect((await workspace.run(["orgs", "create", "acme", "--name", "Acme"])).code).toBe(0);
  expect((await workspace.run(["orgs", "create", "beta", "--name", "Beta"])).code).toBe(0);
  expect((await workspace.run(["users", "create", "alice", "--org", "acme", "--role", "member"])).code).toBe(0);
  expect((await workspace.run(["users", "create", "bob", "--org", "beta", "--role", "admin"])).code).toBe(0);
});

test("create prints the key once with a warning; list shows its prefix, not the key; revoke stops it at once", async () => {
  const created = await workspace.run(["api-keys", "create", "--user", "alice", "--org", "acme", "--name", "CI", "--scope", "mcp:read", "--expires", "90d"]);
  expect(created.code).toBe(0);
  expect(created.stderr).toBe("");
  const key = KEY_LINE.exec(created.stdout)![1]!;
  expect(created.stdout).toStartWith('Created API key "CI" for alice in acme:\n');
  expect(created.stdout).toContain("it will not be shown again");
  expect(created.stdout).toMatch(/^id: +[0-9a-f-]{36}$/m);
  expect(created.stdout).toContain(`prefix:  ${key.slice(0, 12)}\n`);
  expect(created.stdout).toContain("scopes:  mcp:read\n");
  const expires = /^expires: (\S+)$/m.exec(created.stdout)![1]!;
  expect(Math.abs(Date.parse(expires) - Date.now() - 90 * 86_400_000)).toBeLessThan(60_000);

  const table = await workspace.run(["api-keys", "list"]);
  expect(table.code).toBe(0);
  expect(table.stdout).not.toContain(key);
  const lines = table.stdout.trim().split("\n");
  expect(lines[0]).toMatch(/^NAME\s+PREFIX\s+USER\s+ORG\s+SCOPES\s+CREATED\s+LAST USED\s+EXPIRES\s+STATUS\s+ID$/);
  expect(lines.find((line) => line.startsWith("CI "))).toMatch(
    new RegExp(`^CI\\s+${key.slice(0, 12)}\\s+alice\\s+acme\\s+mcp:read\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+never\\s+${expires.slice(0, 10)} \\d\\d:\\d\\d\\s+active\\s+[0-9a-f-]{36}$`),
  );

  expect(await authenticate(key)).toMatchObject({ actor: { username: "alice", organizationSlug: "acme", role: "member" }, scopes: ["mcp:read"] });
  const listed = (await listKeys("--org", "acme")).find((entry) => entry.name === "CI")!;
  const revoked = await workspace.run(["api-keys", "revoke", listed.prefix, "--org", "acme"]);
  expect(revoked).toEqual({ code: 0, stdout: `Revoked API key "CI" (${listed.prefix}, id ${listed.id}) of alice in acme.\n`, stderr: "" });
  // Revoked by another process: the next verification refuses it.
  expect(await authenticate(key)).toEqual({ refused: expect.stringContaining("revoked") });
  const again = await workspace.run(["api-keys", "revoke", listed.id]);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain("was already revoked at");

  expect((await listKeys()).map((entry) => entry.id)).not.toContain(listed.id);
  expect((await listKeys("--all")).find((entry) => entry.id === listed.id)).toMatchObject({ status: "revoked", revokedAt: expect.stringMatching(/Z$/) });
  const all = await workspace.run(["api-keys", "list", "--all"]);
  expect(all.stdout.split("\n").find((line) => line.startsWith("CI "))).toMatch(/\srevoked\s+[0-9a-f-]{36}$/);
});

test("only the hash and the display prefix reach the database", async () => {
  const created = await workspace.run(["api-keys", "create", "--user", "bob", "--org", "beta", "--json"]);
  expect(created.code).toBe(0);
  const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
  const row = await workspace.withDatabase(async (db) => (await db.orm.select().from(db.tables.apiKeys).where(eq(db.tables.apiKeys.id, id)))[0]);
  expect(row).toMatchObject({ prefix: key.slice(0, 12), scopes: "mcp:read mcp:write", expiresAt: null });
  expect(JSON.stringify(row)).not.toContain(key.slice(12));
});

test("--scope is repeatable or comma separated; list filters by organization and user", async () => {
  const repeated = await workspace.run(["api-keys", "create", "--user", "alice", "--org", "acme", "--name", "both", "--scope", "mcp:write", "--scope", "mcp:read"]);
  expect(repeated.stdout).toContain("scopes:  mcp:read mcp:write\n");
  const commas = await workspace.run(["api-keys", "create", "--user", "alice", "--org", "acme", "--name", "commas", "--scope", "mcp:read, mcp:write", "--expires", "never"]);
  expect(commas.stdout).toContain("scopes:  mcp:read mcp:write\n");
  expect(commas.stdout).toContain("expires: never\n");
  expect((await listKeys("--org", "acme")).map((entry) => entry.name)).toEqual(["commas", "both"]);
  expect((await listKeys("--user", "bob")).map((entry) => entry.organizationSlug)).toEqual(["beta"]);
  expect(await listKeys("--org", "beta", "--user", "alice")).toEqual([]);
});

test("refusals are one sentence and a non-zero exit, and create nothing", async () => {
  const before = (await listKeys("--all")).length;
  const cases: [string[], string][] = [
    [["--user", "alice", "--org", "acme", "--scope", "admin"], 'Unknown scope "admin"; an API key\'s scopes are mcp:read and mcp:write.'],
    [["--user", "alice", "--org", "acme", "--expires", "0d"], "--expires 0d is not in the future; give at least 1d, a date, or never."],
    [["--user", "alice", "--org", "acme", "--expires", "soon"], '--expires must be a number of days or hours (90d, 12h), an ISO date (2030-12-31), or never (got "soon").'],
    [["--user", "nobody", "--org", "acme"], 'User "nobody" not found; "superset users list" shows the users.'],
    [["--user", "alice", "--org", "nope"], 'Organization "nope" not found; "superset orgs list" shows the organizations.'],
    [["--user", "alice"], 'Missing --user or --org: run "superset api-keys create --user USERNAME --org SLUG".'],
  ];
  for (const [args, sentence] of cases) expect(await workspace.run(["api-keys", "create", ...args])).toEqual({ code: 1, stdout: "", stderr: `${sentence}\n` });
  const past = await workspace.run(["api-keys", "create", "--user", "alice", "--org", "acme", "--expires", "2020-01-01"]);
  expect(past.code).toBe(1);
  expect(past.stderr).toContain("not in the future");
  const outsider = await workspace.run(["api-keys", "create", "--user", "alice", "--org", "beta"]);
  expect(outsider.code).toBe(1);
  expect(outsider.stderr.trim().split("\n")).toEqual([expect.stringContaining("not a member")]);
  expect((await listKeys("--all")).length).toBe(before);

  expect(await workspace.run(["api-keys", "revoke", "sk_live_none"])).toEqual({ code: 1, stdout: "", stderr: 'API key "sk_live_none" not found; list the keys to find its id or prefix.\n' });
  expect((await workspace.run(["api-keys", "revoke"])).stderr).toBe('Missing <id-or-prefix>: run "superset api-keys revoke <id-or-prefix>".\n');
  const foreign = (await listKeys("--user", "bob"))[0]!;
  expect((await workspace.run(["api-keys", "revoke", foreign.id, "--org", "acme"])).code).toBe(1);
  expect((await listKeys("--user", "bob"))[0]!.revokedAt).toBeNull();
});

test("each command answers --help", async () => {
  for (const command of ["create", "list", "revoke"]) {
    const result = await workspace.run(["api-keys", command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toStartWith(`Usage: superset api-keys ${command}`);
  }
  const group = await workspace.run(["api-keys", "--help"]);
  for (const command of ["create", "list", "revoke"]) expect(group.stdout).toContain(`api-keys ${command}`);
});

test("parseExpiry: days, hours, ISO dates and never", () => {
  const now = new Date("2030-01-01T00:00:00.000Z");
  expect(parseExpiry("90d", now)).toEqual(new Date("2030-04-01T00:00:00.000Z"));
  expect(parseExpiry("12h", now)).toEqual(new Date("2030-01-01T12:00:00.000Z"));
  expect(parseExpiry("2031-06-30", now)).toEqual(new Date("2031-06-30T00:00:00.000Z"));
  expect(parseExpiry("2031-06-30T08:00:00+02:00", now)).toEqual(new Date("2031-06-30T06:00:00.000Z"));
  expect(parseExpiry("never", now)).toBeNull();
  for (const text of ["0d", "0h", "-1d", "1w", "tomorrow", "2031-13-45", ""]) expect(() => parseExpiry(text, now)).toThrow(UsageError);
});
