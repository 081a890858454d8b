/** Host records contract: reconciling an inventory (upsert, delete, archive), single saves, lookups, and a host never writing another's rows. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { HostProject, HostWorkspace, Inventory } from "../../src/hosts/protocol.ts";
import { configureLog } from "../../src/log.ts";
import type { HostRegistration } from "../../src/services/hosts.ts";
import { describeEachDatabase, type DatabaseSuite } from "../helpers/databases.ts";
import { createTeam, type Team } from "../helpers/fixtures.ts";

const T0 = new Date("2030-03-01T00:00:00.000Z");
const T1 = new Date("2030-03-02T00:00:00.000Z");
const T2 = new Date("2030-03-03T00:00:00.000Z");

function project(overrides: Partial<HostProject> = {}): HostProject {
  return {
    id: crypto.randomUUID(),
    name: "api",
    repoPath: "/srv/api",
    repoUrl: "https://example.test/api.git",
    defaultBranch: "main",
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    ...overrides,
  };
}

function workspace(overrides: Partial<HostWorkspace> = {}): HostWorkspace {
  return {
    id: crypto.randomUUID(),
    projectId: null,
    name: "session",
    branch: "main",
    type: "session",
    worktreePath: "/data/sessions/x",
    worktreeExists: true,
    taskId: null,
    createdByUserId: null,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    ...overrides,
  };
}

/** Warnings the service logged, kept instead of printed. */
const logged: { message: string; registrationId?: string; id?: string }[] = [];
beforeAll(() => configureLog({ format: "json", write: (line) => logged.push(JSON.parse(line)) }));
afterAll(() => configureLog({ write: (line) => process.stderr.write(line + "\n") }));

const inventory = (projects: HostProject[], workspaces: HostWorkspace[]): Inventory => ({ projects, workspaces, terminals: [] });

async function connectedHost(suite: DatabaseSuite, team: Team): Promise<HostRegistration> {
  const { hosts } = suite.services;
  const { host } = await hosts.register({ organizationId: team.organization.id, ownerUserId: team.users.member.id, name: "box" });
  const connected = await hosts.recordConnection(host.registrationId, { machineId: crypto.randomUUID().replaceAll("-", ""), platform: "linux", agentVersion: "1" });
  if ("refused" in connected) throw new Error(connected.refused);
  return connected.host;
}

describeEachDatabase("host records", (suite) => {
  const workspaceRow = async (id: string) => {
    const { hostWorkspaces } = suite.db.tables;
    return (await suite.db.orm.select().from(hostWorkspaces).where(eq(hostWorkspaces.id, id)))[0];
  };

  test("reconcile stores the inventory; lists answer from it with the project's name and the machine id", async () => {
    const team = await createTeam(suite.services, "reconcile");
    const host = await connectedHost(suite, team);
    const records = suite.services.hostRecords;
    const api = project({ name: "api" });
    const web = project({ name: "web", repoUrl: null });
    const main = workspace({ projectId: api.id, name: "api", type: "main", worktreePath: api.repoPath, createdAt: T0.toISOString() });
    const feature = workspace({
      projectId: api.id,
      name: "feature",
      branch: "feat/x",
      type: "worktree",
      taskId: crypto.randomUUID(),
      createdByUserId: team.users.member.id,
      createdAt: T1.toISOString(),
    });
    const session = workspace({ createdAt: T2.toISOString() });
    await records.reconcileInventory(host, inventory([web, api], [session, feature, main]), T1);

    expect(await records.listProjects(host)).toEqual([
      { ...api, syncedAt: T1.toISOString() },
      { ...web, syncedAt: T1.toISOString() },
    ]);
    expect(await records.listWorkspaces(host)).toEqual([
      { ...main, hostId: host.id!, projectName: "api", syncedAt: T1.toISOString() },
      { ...feature, hostId: host.id!, projectName: "api", syncedAt: T1.toISOString() },
      { ...session, hostId: host.id!, projectName: null, syncedAt: T1.toISOString() },
    ]);
    expect(await records.findWorkspace(host, feature.id.toUpperCase())).toEqual({ ...feature, hostId: host.id!, projectName: "api", syncedAt: T1.toISOString() });
    expect(await records.findProject(host, web.id)).toEqual({ ...web, syncedAt: T1.toISOString() });
    expect(await records.findProject(host, crypto.randomUUID())).toBeNull();
    expect(await records.findWorkspace(host, "not-a-uuid")).toBeNull();
  });

  test("reconcile updates what changed, deletes projects no longer reported, archives workspaces no longer reported", async () => {
    const team = await createTeam(suite.services, "resync");
    const host = await connectedHost(suite, team);
    const records = suite.services.hosts;
    const kept = project({ name: "kept" });
    const gone = project({ name: "gone" });
    const stays = workspace({ name: "stays" });
    const leaves = workspace({ name: "leaves" });
    await records.reconcileInventory(host, inventory([kept, gone], [stays, leaves]), T0);

    const renamed = { ...stays, name: "renamed", worktreeExists: false, updatedAt: T1.toISOString() };
    await records.reconcileInventory(host, inventory([{ ...kept, defaultBranch: "trunk" }], [renamed]), T1);
    expect(await records.listProjects(host)).toEqual([{ ...kept, defaultBranch: "trunk", syncedAt: T1.toISOString() }]);
    expect(await records.listWorkspaces(host)).toEqual([{ ...renamed, hostId: host.id!, projectName: null, syncedAt: T1.toISOString() }]);
    expect(await workspaceRow(leaves.id)).toMatchObject({ archivedAt: T1, name: "leaves" });
    expect(await records.findWorkspace(host, leaves.id)).toBeNull();

    // Reported again, an archived workspace is live again.
    await records.reconcileInventory(host, inventory([], [renamed, leaves]), T2);
    expect((await records.listWorkspaces(host)).map((w) => w.name).sort()).toEqual(["leaves", "renamed"]);
    expect(await records.listProjects(host)).toEqual([]);
    await records.reconcileInventory(host, inventory([], []), T2);
    expect(await records.listWorkspaces(host)).toEqual([]);
  });

  test("saveProject, saveWorkspace and archiveWorkspace touch one row", async () => {
    const team = await createTeam(suite.services, "single");
    const host = await connectedHost(suite, team);
    const records = suite.services.hostRecords;
    const first = workspace({ name: "first" });
    const second = workspace({ name: "second" });
    const made = project();
    expect(await records.saveProject(host, made, T0)).toBe(true);
    expect(await records.saveWorkspace(host, first, T0)).toBe(true);
    expect(await records.saveWorkspace(host, second, T0)).toBe(true);
    expect(await records.saveWorkspace(host, { ...first, name: "first, renamed" }, T1)).toBe(true);
    await records.archiveWorkspace(host, second.id, T1);
    await records.archiveWorkspace(host, "not-a-uuid", T1);
    expect(await records.listWorkspaces(host)).toEqual([{ ...first, name: "first, renamed", hostId: host.id!, projectName: null, syncedAt: T1.toISOString() }]);
    expect(await records.listProjects(host)).toEqual([{ ...made, syncedAt: T0.toISOString() }]);
  });

  test("a hostile inventory reporting another host's or organization's ids is ignored; the other rows stay unchanged", async () => {
    const victimTeam = await createTeam(suite.services, "victim");
    const attackerTeam = await createTeam(suite.services, "attacker");
    const victim = await connectedHost(suite, victimTeam);
    const attacker = await connectedHost(suite, attackerTeam);
    const neighbour = await connectedHost(suite, victimTeam);
    const records = suite.services.hosts;
    const victimProject = project({ name: "secret" });
    const victimWorkspace = workspace({ name: "secret work" });
    await records.reconcileInventory(victim, inventory([victimProject], [victimWorkspace]), T0);
    const before = await workspaceRow(victimWorkspace.id);

    const own = workspace({ name: "attacker's own" });
    for (const hostile of [attacker, neighbour]) {
      await records.reconcileInventory(hostile, inventory([{ ...victimProject, name: "stolen" }], [{ ...victimWorkspace, name: "stolen", worktreePath: "/evil" }, own]), T1);
      expect(await records.saveWorkspace(hostile, { ...victimWorkspace, name: "stolen again" }, T1)).toBe(false);
      expect(await records.saveProject(hostile, { ...victimProject, name: "stolen again" }, T1)).toBe(false);
      await records.archiveWorkspace(hostile, victimWorkspace.id, T1);
      expect(await records.findWorkspace(hostile, victimWorkspace.id)).toBeNull();
      expect(await records.listProjects(hostile)).toEqual([]);
      // An empty inventory from the hostile host deletes and archives only its own rows.
      await records.reconcileInventory(hostile, inventory([], []), T2);
    }
    expect(await workspaceRow(victimWorkspace.id)).toEqual(before);
    expect(await records.listProjects(victim)).toEqual([{ ...victimProject, syncedAt: T0.toISOString() }]);
    expect(await records.listWorkspaces(victim)).toEqual([{ ...victimWorkspace, hostId: victim.id!, projectName: null, syncedAt: T0.toISOString() }]);
    expect(logged).toContainEqual(
      expect.objectContaining({ message: expect.stringContaining("belongs to another host or organization"), registrationId: attacker.registrationId, id: victimWorkspace.id }),
    );
    // The first to report an id keeps it: the neighbour's later report of the attacker's workspace was skipped too.
    expect(await workspaceRow(own.id)).toMatchObject({ hostId: attacker.registrationId, organizationId: attackerTeam.organization.id, archivedAt: T2 });
  });

  test("rows whose ids are not UUIDs or whose times are not dates are skipped; the rest are stored", async () => {
    const team = await createTeam(suite.services, "malformed");
    const host = await connectedHost(suite, team);
    const records = suite.services.hostRecords;
    const good = workspace({ name: "good" });
    const bad = [
      workspace({ id: "../../etc" }),
      workspace({ projectId: "project-1" }),
      workspace({ taskId: "TASK-1" }),
      workspace({ createdByUserId: "alice" }),
      workspace({ createdAt: "yesterday" }),
    ];
    await records.reconcileInventory(host, inventory([project({ id: "nope" }), project({ updatedAt: "" })], [good, ...bad]), T0);
    expect((await records.listWorkspaces(host)).map((w) => w.name)).toEqual(["good"]);
    expect(await records.listProjects(host)).toEqual([]);
    expect(await records.saveWorkspace(host, workspace({ id: "x" }), T0)).toBe(false);
    expect(logged).toContainEqual(expect.objectContaining({ message: expect.stringContaining("malformed workspace"), registrationId: host.registrationId, id: "../../etc" }));
  });

  test("a host reported without a machine id has no workspaces to list", async () => {
    const team = await createTeam(suite.services, "unbound");
    const { host } = await suite.services.hosts.register({ organizationId: team.organization.id, ownerUserId: team.users.member.id, name: "new" });
    expect(await suite.services.hostRecords.listWorkspaces(host)).toEqual([]);
    expect(await suite.services.hostRecords.findWorkspace(host, crypto.randomUUID())).toBeNull();
  });
});
