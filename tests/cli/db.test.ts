/** `superset db migrate`. */
import { afterAll, expect, test } from "bun:test";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliWorkspace, runCli } from "../helpers/cli.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

test("db migrate creates and migrates the configured SQLite database, and is repeatable", async () => {
  const workspace = cliWorkspace();
  const first = await workspace.run(["db", "migrate"]);
  expect(first).toEqual({ code: 0, stdout: `Database ${workspace.databaseUrl} is up to date.\n`, stderr: "" });
  expect(existsSync(join(workspace.dir, "data", "superset.db"))).toBe(true);
  const again = await workspace.run(["db", "migrate"]);
  expect(again.code).toBe(0);
  const organizations = await workspace.withDatabase((db) => db.orm.select().from(db.tables.organizations));
  expect(organizations).toEqual([]);
});

test("an unreachable database is one sentence naming it, with its password redacted", async () => {
  const workspace = cliWorkspace();
  writeFileSync(workspace.configPath, `export default { DATABASE_URL: "postgres://superset:hunter22@127.0.0.1:1/superset", MCP_DEV_USERNAME: "admin" };\n`);
  const result = await workspace.run(["db", "migrate"]);
  expect(result.code).toBe(1);
  expect(result.stderr).toStartWith("Cannot open the database postgres://superset:");
  expect(result.stderr).toContain("127.0.0.1:1/superset");
  expect(result.stderr).not.toContain("hunter22");
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
});

test("a missing config file is refused with exit 1", async () => {
  const result = await runCli(["db", "migrate", "--config", "/nonexistent/config.ts"]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("/nonexistent/config.ts");
});

test("db backup on PostgreSQL refuses with the pg_dump command to run, without the password", async () => {
  const workspace = cliWorkspace();
  writeFileSync(workspace.configPath, `export default { DATABASE_URL: "postgres://superset:hunter22@db.internal:5433/superset?sslmode=require", MCP_DEV_USERNAME: "admin" };\n`);
  const result = await workspace.run(["db", "backup", "superset.dump"]);
  expect(result.code).toBe(1);
  expect(result.stderr.trim()).toBe(
    `superset db backup copies SQLite databases only; back up PostgreSQL with pg_dump: pg_dump --format=custom --file='${join(workspace.dir, "superset.dump")}' 'postgres://superset@db.internal:5433/superset?sslmode=require'`,
  );
  rmSync(workspace.dir, { recursive: true, force: true });
});
