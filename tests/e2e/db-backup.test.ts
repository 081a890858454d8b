/**
 * `superset db backup` against a running server: the built binary keeps creating tasks through
 * MCP while the backup runs, and a second server started on the backup file serves every task
 * created before the backup began, and only tasks the first server created; restored in place of
 * the database, the backup serves the same. An existing file is never overwritten.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createSandbox, type Sandbox } from "../helpers/binary.ts";
import { eventually } from "../helpers/eventually.ts";
import { callTool as call, connectSdkClient } from "../helpers/sdk-client.ts";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";

setDefaultTimeout(60_000);

const connect = async (url: string) => (await connectSdkClient(url, "superset-e2e-backup")).client;

/** The ids of every task tasks_list shows, page by page. */
async function listedTaskIds(client: Client): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let offset: number | null = 0; offset !== null;) {
    const page = await call(client, "tasks_list", { limit: 500, offset });
    for (const item of page.result as { task: { id: string } }[]) ids.add(item.task.id);
    offset = page.nextOffset as number | null;
  }
  return ids;
}

describe("db backup of a live SQLite database", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await createSandbox();
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  test("a backup taken while the server writes serves the same tasks from a second server", async () => {
    const server = await sandbox.start();
    const client = await connect(server.url);
    const created: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const { task } = (await call(client, "tasks_create", { title: `Written during backup ${i}` })) as { task: { id: string } };
        created.push(task.id);
      }
    })();
    await eventually("the first tasks to be written", () => created.length >= 5);

    const backupFile = join(sandbox.root, "data/backup.db");
    const config = await sandbox.writeConfig(sandbox.baseConfig(), "backup.ts");
    const createdBefore = [...created];
    const backup = await sandbox.run(["db", "backup", backupFile, "--config", config]);
    const writtenDuring = created.length - createdBefore.length;
    writing = false;
    await writer;
    await client.close();

    expect(backup.exitCode, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(new RegExp(`^Backed up .*superset\\.db to ${backupFile} \\(\\d+ bytes, [\\d.]+ MiB\\)\\.\\n$`));
    expect(readdirSync(join(sandbox.root, "data")).filter((name) => name.includes("partial"))).toEqual([]);
    console.log(`backup taken while ${writtenDuring} more tasks were written; ${created.length} tasks in all`);

    // The second server opens the backup as its only database, beside the first one still running.
    const restored = await sandbox.start({ config: { DATABASE_URL: `sqlite://${backupFile}` } });
    const restoredClient = await connect(restored.url);
    const ids = await listedTaskIds(restoredClient);
    await restoredClient.close();
    await restored.stop();
    for (const id of createdBefore) expect(ids.has(id), `task ${id}, created before the backup, is in it`).toBe(true);
    for (const id of ids) expect(created).toContain(id);

    // Restore as the notes say: stop, put the file back, drop the replaced database's WAL, start.
    await server.stop();
    const database = join(sandbox.root, "data/superset.db");
    copyFileSync(backupFile, database);
    rmSync(`${database}-wal`, { force: true });
    rmSync(`${database}-shm`, { force: true });
    const afterRestore = await sandbox.start();
    const afterRestoreClient = await connect(afterRestore.url);
    expect(await listedTaskIds(afterRestoreClient)).toEqual(ids);
    await afterRestoreClient.close();
    await afterRestore.stop();
  });

  test("an existing file is refused and left as it was", async () => {
    const existing = join(sandbox.root, "data/existing.db");
    await Bun.write(existing, "an older backup");
    const config = await sandbox.writeConfig(sandbox.baseConfig(), "existing.ts");
    const result = await sandbox.run(["db", "backup", existing, "--config", config]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(`${existing} already exists: name a new file, so no earlier backup is overwritten.`);
    expect(await Bun.file(existing).text()).toBe("an older backup");
  });
});
