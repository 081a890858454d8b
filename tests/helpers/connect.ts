/** `superset connect` run as a user runs it, in a fresh HOME and project folder (tests/cli/connect*.test.ts). */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { runCli } from "./cli.ts";
import { tempDir } from "./git-repos.ts";

export const CONNECT_URL = "https://superset.example.com/mcp";
export const CONNECT_KEY = `sk_live_${"A".repeat(43)}`;

/** A fresh HOME (with XDG_CONFIG_HOME under it) and project folder, and `superset connect` run in them. */
export function connectSetting() {
  const home = tempDir("superset-connect-home-");
  const project = tempDir("superset-connect-project-");
  // Bun would otherwise keep a transpiler cache under each fresh HOME.
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" };
  return {
    home,
    project,
    connect: (...args: string[]) => runCli(["connect", ...args], { cwd: project, env }),
    connectWithStdin: (stdin: string, ...args: string[]) => runCli(["connect", ...args], { cwd: project, env, stdin }),
    read: (path: string) => readFileSync(path, "utf8"),
    backups: (path: string) => readdirSync(dirname(path)).filter((name) => name.startsWith(`${path.split("/").pop()}.bak-`)),
  };
}
