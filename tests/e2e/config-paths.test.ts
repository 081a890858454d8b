/**
 * The built binary run from another directory than its config file's: a relative SQLite path, and
 * the dev-mode SECRET_KEY file beside that database, land in the config file's folder, so
 * `--config /etc/superset/config.ts` from anywhere finds the same data.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createSandbox, type Sandbox } from "../helpers/binary.ts";

setDefaultTimeout(60_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(async () => {
  await sandbox?.dispose();
});

test("a relative DATABASE_URL and the dev SECRET_KEY file resolve against the config file's folder, not the current directory", async () => {
  const server = await sandbox.start({ config: { DATABASE_URL: "sqlite://./state/superset.db" } });
  expect((await fetch(`http://127.0.0.1:${server.port}/health`)).status).toBe(200);
  expect(await server.stop()).toBe(0);
  // writeConfig puts config files in <root>/etc; the binary ran in <root>/work.
  expect(existsSync(join(sandbox.root, "etc/state/superset.db"))).toBe(true);
  expect(existsSync(join(sandbox.root, "etc/state/secret_key"))).toBe(true);
  expect(existsSync(join(sandbox.cwd, "state"))).toBe(false);
  expect(existsSync(join(sandbox.cwd, "data"))).toBe(false);

  // config check shows where the database is.
  const config = await sandbox.writeConfig({ ...sandbox.baseConfig(), DATABASE_URL: "sqlite://./state/superset.db" });
  const check = await sandbox.run(["config", "check", "--config", config]);
  expect(check.exitCode, check.stderr).toBe(0);
  expect(check.stdout).toContain(`"DATABASE_URL": "sqlite://${join(sandbox.root, "etc/state/superset.db")}"`);
});
