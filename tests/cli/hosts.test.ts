/** `superset hosts …`: register (a working token printed once, with the command to run), list, grant, revoke-access, revoke, and the refusals. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createServices } from "../../src/services/index.ts";
import { cliWorkspace, type CliWorkspace } from "../helpers/cli.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

let workspace: CliWorkspace;

interface ListedHost {
  registrationId: string;
  id: string | null;
  name: string;
  ownerUsername: string;
  tokenPrefix: string;
  status: string;
  users: { username: string; role: string }[];
}

const TOKEN_LINE = /^ {2}(sk_host_[A-Za-z0-9_-]{43})$/m;
const listHosts = async (...args: string[]): Promise<ListedHost[]> => JSON.parse((await workspace.run(["hosts", "list", "--json", ...args])).stdout);
const authenticate = (token: string) => workspace.withDatabase((db) => createServices(db).hosts.authenticateToken(token));

/** Registers a host through the CLI and returns its token. */
async function register(...args: string[]): Promise<string> {
  const result = await workspace.run(["hosts", "register", ...args]);
  expect(result.code).toBe(0);
  return TOKEN_LINE.exec(result.stdout)![1]!;
}

/** What the agent's first connect does: binds a machine id. */
const connect = (registrationId: string, machineId: string) =>
  workspace.withDatabase((db) => createServices(db).hosts.recordConnection(registrationId, { machineId, platform: "linux", agentVersion: "0.1.0" }));

beforeAll(async () => {
  workspace = cliWorkspace();
  for (const args of [
    ["orgs", "create", "acme", "--name", "Acme"],
    ["orgs", "create", "beta", "--name", "Beta"],
    ["users", "create", "alice", "--org", "acme", "--role", "member"],
    ["users", "create", "carol", "--org", "acme", "--role", "viewer"],
    ["users", "create", "bob", "--org", "beta", "--role", "admin"],
  ]) {
    expect((await workspace.run(args)).code).toBe(0);
  }
});

test("register prints a working token once, with the command to run on the machine; only its hash is stored", async () => {
  const result = await workspace.run(["hosts", "register", "--org", "acme", "--user", "alice", "--name", "build box"]);
  expect(result.code).toBe(0);
  expect(result.stderr).toBe("");
  const token = TOKEN_LINE.exec(result.stdout)![1]!;
  expect(result.stdout).toMatch(/^Registered host "build box" for alice in acme \(registration [0-9a-f-]{36}\):\n/);
  expect(result.stdout).toContain("This token is shown once: copy it now.");
  expect(result.stdout).toContain(`\n  SUPERSET_HOST_TOKEN=${token} superset host run --server http://localhost:5008\n`);
  const host = await authenticate(token);
  expect(host).toMatchObject({ name: "build box", id: null, tokenPrefix: token.slice(0, 12) });
  const row = await workspace.withDatabase(async (db) => (await db.orm.select().from(db.tables.hosts).where(eq(db.tables.hosts.id, host!.registrationId)))[0]);
  expect(JSON.stringify(row)).not.toContain(token.slice(12));

  const elsewhere = await workspace.run(["hosts", "register", "--org", "beta", "--user", "bob", "--server", "https://mcp.example.test"]);
  expect(elsewhere.stdout).toMatch(/SUPERSET_HOST_TOKEN=sk_host_\S+ superset host run --server https:\/\/mcp\.example\.test\n/);
  const json = await workspace.run(["hosts", "register", "--org", "beta", "--user", "bob", "--name", "json", "--json"]);
  const parsed = JSON.parse(json.stdout) as { token: string; name: string; registrationId: string };
  expect(await authenticate(parsed.token)).toMatchObject({ name: "json", registrationId: parsed.registrationId });
});

test("list shows never-connected and connected hosts, owners, users and status, never the token", async () => {
  const token = await register("--org", "acme", "--user", "alice", "--name", "laptop");
  const host = (await authenticate(token))!;
  const before = (await listHosts("--org", "acme")).find((entry) => entry.name === "laptop")!;
  expect(before).toMatchObject({ id: null, status: "not connected yet", ownerUsername: "alice", users: [{ username: "alice", role: "owner" }] });
  const machineId = "0123456789abcdef0123456789abcdef";
  expect(await connect(host.registrationId, machineId)).toHaveProperty("host");
  const table = await workspace.run(["hosts", "list", "--org", "acme"]);
  expect(table.code, `hosts list failed: ${table.stderr}`).toBe(0);
  expect(table.stdout).not.toContain(token);
  const lines = table.stdout.trim().split("\n");
  expect(lines[0]).toMatch(/^NAME\s+HOST ID\s+OWNER\s+USERS\s+PLATFORM\s+AGENT\s+LAST SEEN\s+STATUS\s+PREFIX\s+REGISTRATION$/);
  expect(lines.find((line) => line.startsWith("laptop "))).toMatch(
    new RegExp(`^laptop\\s+${machineId}\\s+alice\\s+alice\\s+linux\\s+0\\.1\\.0\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+registered\\s+${token.slice(0, 12)}\\s+${host.registrationId}$`),
  );
  expect((await listHosts("--org", "beta")).every((entry) => entry.ownerUsername === "bob")).toBe(true);
});

test("grant and revoke-access by machine id or name; revoke stops the token", async () => {
  const token = await register("--org", "acme", "--user", "alice", "--name", "shared");
  const host = (await authenticate(token))!;
  const machineId = "fedcba9876543210fedcba9876543210";
  await connect(host.registrationId, machineId);
  expect(await workspace.run(["hosts", "grant", "--org", "acme", "--host", machineId, "--user", "carol"])).toEqual({
    code: 0,
    stdout: `carol may now use host "shared" (${machineId}).\n`,
    stderr: "",
  });
  expect((await workspace.run(["hosts", "grant", "--org", "acme", "--host", "shared", "--user", "carol"])).stdout).toBe(`carol could already use host "shared" (${machineId}) (as user).\n`);
  expect((await listHosts("--org", "acme")).find((entry) => entry.name === "shared")!.users.map((user) => user.username)).toEqual(["alice", "carol"]);
  const carol = await workspace.withDatabase(async (db) => {
    const services = createServices(db);
    const actor = await services.accounts.resolveActor("carol", "acme");
    return "refused" in actor ? [] : services.hosts.listForActor(actor);
  });
  expect(carol.map((entry) => entry.name)).toEqual(["shared"]);

  expect((await workspace.run(["hosts", "revoke-access", "--org", "acme", "--host", "shared", "--user", "carol"])).stdout).toBe(`carol may no longer use host "shared" (${machineId}).\n`);
  expect((await workspace.run(["hosts", "revoke-access", "--org", "acme", "--host", "shared", "--user", "carol"])).stdout).toBe(`carol had no access to host "shared" (${machineId}).\n`);

  expect(await workspace.run(["hosts", "revoke", "--org", "acme", "--host", host.registrationId])).toEqual({
    code: 0,
    stdout: `Revoked host "shared" (${machineId}); register the machine again to bring it back.\n`,
    stderr: "",
  });
  expect(await authenticate(token)).toBeNull();
  expect((await workspace.run(["hosts", "revoke", "--org", "acme", "--host", "shared"])).stdout).toContain("was already revoked at");
  expect((await listHosts("--org", "acme")).map((entry) => entry.name)).not.toContain("shared");
  expect((await listHosts("--org", "acme", "--all")).find((entry) => entry.name === "shared")).toMatchObject({ status: "revoked" });
});

test("refusals are one sentence and a non-zero exit", async () => {
  const cases: [string[], string][] = [
    [["hosts", "register", "--org", "acme"], 'Missing --user: run "superset hosts register --org SLUG --user USERNAME".'],
    [["hosts", "grant", "--org", "acme"], 'Missing --host and --user: run "superset hosts grant --org SLUG --host HOST --user USERNAME".'],
    [["hosts", "list"], 'Missing --org: run "superset hosts list --org SLUG".'],
    [["hosts", "register", "--org", "acme", "--user", "alice", "--name", "  "], "A host's name must not be blank; leave it out to take the name the machine reports."],
    [["hosts", "register", "--org", "acme", "--user", "nobody"], 'User "nobody" not found; "superset users list" shows the users.'],
    [["hosts", "revoke", "--org", "acme", "--host", "missing"], 'Host "missing" not found in organization "acme"; "superset hosts list --org acme" shows its hosts.'],
    [["hosts", "grant", "--org", "nope", "--host", "x", "--user", "alice"], 'Organization "nope" not found; "superset orgs list" shows the organizations.'],
  ];
  for (const [args, sentence] of cases) expect(await workspace.run(args)).toEqual({ code: 1, stdout: "", stderr: `${sentence}\n` });
  await register("--org", "acme", "--user", "alice", "--name", "guarded");
  const outsider = await workspace.run(["hosts", "grant", "--org", "acme", "--host", "guarded", "--user", "bob"]);
  expect(outsider.code).toBe(1);
  expect(outsider.stderr.trim().split("\n")).toEqual([expect.stringContaining("not a member")]);
  const owner = await workspace.run(["hosts", "revoke-access", "--org", "acme", "--host", "guarded", "--user", "alice"]);
  expect(owner.code).toBe(1);
  expect(owner.stderr).toContain("owns host");
  // A host of another organization is not found from this one.
  const beta = (await listHosts("--org", "beta"))[0]!;
  expect((await workspace.run(["hosts", "revoke", "--org", "acme", "--host", beta.registrationId])).code).toBe(1);
  expect((await listHosts("--org", "beta"))[0]!.status).not.toBe("revoked");
});
