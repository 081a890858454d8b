/** `superset users …`: create, list, set-password, disable/enable, add-to-org, and the refusals. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createServices } from "../../src/services/index.ts";
import { cliWorkspace, type CliWorkspace } from "../helpers/cli.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

let workspace: CliWorkspace;

interface ListedUser {
  username: string;
  name: string;
  email: string | null;
  isActive: boolean;
  organizations: { slug: string; role: string }[];
}

const listUsers = async (): Promise<ListedUser[]> => JSON.parse((await workspace.run(["users", "list", "--json"])).stdout);
const findListed = async (username: string) => (await listUsers()).find((user) => user.username === username);
const storedHash = (username: string) =>
  workspace.withDatabase(async (db) => (await db.orm.select({ hash: db.tables.users.passwordHash }).from(db.tables.users).where(eq(db.tables.users.username, username)))[0]?.hash);

beforeAll(async () => {
  workspace = cliWorkspace();
  expect((await workspace.run(["orgs", "create", "acme", "--name", "Acme"])).code).toBe(0);
  expect((await workspace.run(["orgs", "create", "beta", "--name", "Beta"])).code).toBe(0);
});

test("users create with --password-stdin and a membership", async () => {
  const result = await workspace.run(
    ["users", "create", "alice", "--name", "Alice Liddell", "--email", "alice@example.com", "--password-stdin", "--org", "acme", "--role", "admin"],
    "correct horse\n",
  );
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Created user alice \(id [0-9a-f-]{36}, admin of acme\)\.\n$/);
  // One trailing newline is dropped; the rest of the line is the password.
  const hash = await storedHash("alice");
  expect(await Bun.password.verify("correct horse", hash!)).toBe(true);
  expect(await findListed("alice")).toMatchObject({ name: "Alice Liddell", email: "alice@example.com", isActive: true, organizations: [{ slug: "acme", role: "admin" }] });
  const actor = await workspace.withDatabase((db) => createServices(db).accounts.resolveActor("alice"));
  expect(actor).toMatchObject({ username: "alice", organizationSlug: "acme", role: "admin" });
});

test("users create without a password source leaves the user without a password", async () => {
  const result = await workspace.run(["users", "create", "bot"]);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain("no password");
  expect(await storedHash("bot")).toBeNull();
  expect(await findListed("bot")).toMatchObject({ name: "bot", email: null, organizations: [] });
});

test("users list prints a table", async () => {
  const result = await workspace.run(["users", "list"]);
  expect(result.code).toBe(0);
  const lines = result.stdout.trim().split("\n");
  expect(lines[0]).toMatch(/^USERNAME\s+NAME\s+EMAIL\s+ACTIVE\s+ORGANIZATIONS$/);
  expect(lines.find((line) => line.startsWith("alice"))).toMatch(/^alice\s+Alice Liddell\s+alice@example\.com\s+yes\s+acme \(admin\)$/);
});

test("users set-password replaces the password; a short one is refused and changes nothing", async () => {
  await workspace.run(["users", "create", "carol", "--password-stdin"], "first-password");
  const set = await workspace.run(["users", "set-password", "carol", "--password-stdin"], "second-password\r\n");
  expect(set).toEqual({ code: 0, stdout: "Password of carol set.\n", stderr: "" });
  const hash = await storedHash("carol");
  expect(await Bun.password.verify("second-password", hash!)).toBe(true);
  expect(await Bun.password.verify("first-password", hash!)).toBe(false);
  const short = await workspace.run(["users", "set-password", "carol", "--password-stdin"], "short\n");
  expect(short.code).toBe(1);
  expect(short.stderr).toBe("The password must be at least 8 characters long (it has 5); nothing was changed.\n");
  expect(await storedHash("carol")).toBe(hash);
  const empty = await workspace.run(["users", "set-password", "carol", "--password-stdin"], "");
  expect(empty.code).toBe(1);
  expect(await storedHash("carol")).toBe(hash);
});

test("users set-password with neither --password-stdin nor a terminal is refused", async () => {
  const result = await workspace.run(["users", "set-password", "carol"]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("--password-stdin");
  const unknown = await workspace.run(["users", "set-password", "nobody", "--password-stdin"], "long-enough-password");
  expect(unknown).toEqual({ code: 1, stdout: "", stderr: 'User "nobody" not found; "superset users list" shows the users.\n' });
});

test("users disable and enable switch whether the user can act", async () => {
  await workspace.run(["users", "create", "dave", "--org", "acme", "--role", "member"]);
  const resolve = () => workspace.withDatabase((db) => createServices(db).accounts.resolveActor("dave"));
  expect((await workspace.run(["users", "disable", "dave"])).stdout).toBe("User dave disabled.\n");
  expect((await findListed("dave"))!.isActive).toBe(false);
  expect(await resolve()).toEqual({ refused: 'user "dave" is disabled' });
  expect((await workspace.run(["users", "enable", "dave"])).stdout).toBe("User dave enabled.\n");
  expect(await resolve()).toMatchObject({ username: "dave", role: "member" });
  expect((await workspace.run(["users", "disable", "nobody"])).code).toBe(1);
});

test("users add-to-org adds a membership and changes an existing role", async () => {
  await workspace.run(["users", "create", "erin", "--org", "acme", "--role", "viewer"]);
  expect((await workspace.run(["users", "add-to-org", "erin", "--org", "beta", "--role", "owner"])).stdout).toBe("User erin is owner of beta.\n");
  expect((await workspace.run(["users", "add-to-org", "erin", "--org", "acme", "--role", "member"])).code).toBe(0);
  expect((await findListed("erin"))!.organizations).toEqual([
    { slug: "acme", role: "member" },
    { slug: "beta", role: "owner" },
  ]);
  const missing = await workspace.run(["users", "add-to-org", "erin", "--org", "acme"]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("--role");
});

test("refusals leave no user behind: unknown org, bad role, --org without --role", async () => {
  const unknownOrg = await workspace.run(["users", "create", "frank", "--org", "nope", "--role", "member"]);
  expect(unknownOrg).toEqual({ code: 1, stdout: "", stderr: 'Organization "nope" not found; "superset orgs list" shows the organizations.\n' });
  const badRole = await workspace.run(["users", "create", "frank", "--org", "acme", "--role", "boss"]);
  expect(badRole.code).toBe(1);
  expect(badRole.stderr).toBe('--role must be one of viewer, member, admin, owner (got "boss").\n');
  const half = await workspace.run(["users", "create", "frank", "--org", "acme"]);
  expect(half.code).toBe(1);
  expect(half.stderr).toContain("--org and --role go together");
  expect((await workspace.run(["users", "add-to-org", "alice", "--org", "acme", "--role", "root"])).code).toBe(1);
  expect(await findListed("frank")).toBeUndefined();
  expect((await findListed("alice"))!.organizations).toEqual([{ slug: "acme", role: "admin" }]);
});

test("a duplicate username is refused before any password is read", async () => {
  const result = await workspace.run(["users", "create", "alice", "--password-stdin"], "x");
  expect(result).toEqual({ code: 1, stdout: "", stderr: 'User "alice" already exists.\n' });
});

test("a password on the command line is not an option", async () => {
  for (const args of [
    ["users", "create", "gina", "--password", "hunter2222"],
    ["users", "create", "gina", "--password=hunter2222"],
    ["users", "set-password", "alice", "--password", "hunter2222"],
  ]) {
    const result = await workspace.run(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Unknown option '--password'");
  }
  expect(await findListed("gina")).toBeUndefined();
  expect(await Bun.password.verify("correct horse", (await storedHash("alice"))!)).toBe(true);
});
