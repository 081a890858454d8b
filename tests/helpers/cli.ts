/** Runs the CLI as a user would: a subprocess of `src/main.ts` with a config file of its own. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { tempDir } from "./temp-dirs.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");

/** What one CLI run left behind: its exit code and both output streams, whole. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temporary directory with a config whose DATABASE_URL is a SQLite file in it. */
export interface CliWorkspace {
  dir: string;
  configPath: string;
  databaseUrl: string;
  /** Runs `superset <args> --config <configPath>`; `stdin` is piped in, else stdin is empty (not a terminal). */
  run(args: string[], stdin?: string): Promise<CliResult>;
  /** Opens the workspace's database in this process, for checks the CLI does not print. */
  withDatabase<T>(use: (db: Database) => Promise<T>): Promise<T>;
}

/** A fresh workspace; its database file appears on the first command. */
export function cliWorkspace(): CliWorkspace {
  const dir = tempDir("superset-cli-");
  const databaseUrl = `sqlite://${join(dir, "data", "superset.db")}`;
  const configPath = join(dir, "config.ts");
  writeFileSync(configPath, `export default ${JSON.stringify({ DATABASE_URL: databaseUrl, MCP_DEV_USERNAME: "admin" })};\n`);
  return {
    dir,
    configPath,
    databaseUrl,
    run: (args, stdin) => runCli([...args, "--config", configPath], { cwd: dir, stdin }),
    async withDatabase(use) {
      const db = openDatabase(databaseUrl);
      try {
        return await use(db);
      } finally {
        await db.close();
      }
    },
  };
}

/** Runs `superset <args>` with a minimal environment (plus `env`), so no config or CI setting leaks in. */
export async function runCli(args: string[], options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const child = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd: options.cwd ?? tempDir("superset-cli-"),
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}
