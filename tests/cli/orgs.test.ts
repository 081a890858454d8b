/** `superset orgs create|list`. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cliWorkspace, type CliWorkspace } from "../helpers/cli.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

let workspace: CliWorkspace;
beforeAll(() => {
  workspace = cliWorkspace();
});

test("orgs list on a fresh database says there are none", async () => {
  const result = await workspace.run(["orgs", "list"]);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain("No organizations yet");
  expect(JSON.parse((await workspace.run(["orgs", "list", "--json"])).stdout)).toEqual([]);
});

test("orgs create, then list as a table and as JSON", async () => {
  const created = await workspace.run(["orgs", "create", "acme", "--name", "Acme Inc"]);
  expect(created.code).toBe(0);
  expect(created.stdout).toMatch(/^Created organization acme \("Acme Inc", id [0-9a-f-]{36}\)\.\n$/);
  await workspace.run(["orgs", "create", "beta", "--name", "Beta"]);
  const table = await workspace.run(["orgs", "list"]);
  expect(table.code).toBe(0);
  const lines = table.stdout.trim().split("\n");
  expect(lines[0]).toMatch(/^SLUG\s+NAME\s+MEMBERS\s+ID$/);
  expect(lines[1]).toMatch(/^acme\s+Acme Inc\s+0\s+[0-9a-f-]{36}$/);
  expect(lines[2]).toMatch(/^beta\s+Beta\s+0\s+/);
  const json = JSON.parse((await workspace.run(["orgs", "list", "--json"])).stdout);
  expect(json).toEqual([
    { id: expect.any(String), name: "Acme Inc", slug: "acme", createdAt: expect.stringMatching(/Z$/), members: 0 },
    { id: expect.any(String), name: "Beta", slug: "beta", createdAt: expect.any(String), members: 0 },
  ]);
});

test("a duplicate slug is refused with the service's sentence and exit 1", async () => {
  await workspace.run(["orgs", "create", "dup", "--name", "Dup"]);
  const again = await workspace.run(["orgs", "create", "dup", "--name", "Dup again"]);
  expect(again).toEqual({ code: 1, stdout: "", stderr: 'Organization "dup" already exists.\n' });
});

test("a bad slug, a missing --name or a missing slug are refused", async () => {
  const badSlug = await workspace.run(["orgs", "create", "Not A Slug", "--name", "X"]);
  expect(badSlug.code).toBe(1);
  expect(badSlug.stderr).toContain("lowercase letters and digits");
  const noName = await workspace.run(["orgs", "create", "noname"]);
  expect(noName.code).toBe(1);
  expect(noName.stderr).toContain("--name");
  const noSlug = await workspace.run(["orgs", "create", "--name", "X"]);
  expect(noSlug.code).toBe(1);
  expect(noSlug.stderr).toContain("<slug>");
  const extra = await workspace.run(["orgs", "create", "one", "two", "--name", "X"]);
  expect(extra.code).toBe(1);
  const slugs = JSON.parse((await workspace.run(["orgs", "list", "--json"])).stdout).map((o: { slug: string }) => o.slug);
  expect(slugs).not.toContain("noname");
  expect(slugs).not.toContain("one");
});
