/** `superset host run`: the host agent, connected to a server until interrupted (run it as a user systemd service). */
import { homedir } from "node:os";
import { join } from "node:path";
import { startHostAgent } from "../agent/run.ts";
import { serverUrlList } from "../agent/connection.ts";
import { hostIdSchema } from "../hosts/protocol.ts";
import { configureLog } from "../log.ts";
import { UsageError, type Command } from "./command.ts";
import * as v from "valibot";

/** `$XDG_DATA_HOME/superset-host`, else `~/.local/share/superset-host`. */
export function defaultDataDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "superset-host");
}

const hostRun: Command = {
  path: ["host", "run"],
  summary: "Run the host agent: connect this machine to a server and do the work its tools ask for",
  options: {
    server: {
      type: "string",
      multiple: true,
      description:
        "Base URL of the server, e.g. https://superset.example.com; several (repeated, or comma-separated), e.g. one per replica, are tried in turn after each disconnect, so no balancer is needed",
      valueName: "URL",
    },
    token: { type: "string", description: "Host token from superset hosts register (else SUPERSET_HOST_TOKEN, which keeps it out of ps)", valueName: "TOKEN" },
    "data-dir": { type: "string", description: "Where projects, worktrees and state live (default: ~/.local/share/superset-host)", valueName: "DIR" },
    "host-id": { type: "string", description: "Use this host id instead of the machine id (32 hex characters; for tests)", valueName: "ID" },
    name: { type: "string", description: "Name the host reports (default: the hostname)", valueName: "NAME" },
    debug: { type: "boolean", description: "Log debug messages" },
  },
  async run({ values }) {
    const servers = (values.server as string[] | undefined) ?? [];
    const token = (values.token as string | undefined) ?? process.env.SUPERSET_HOST_TOKEN;
    let serverUrls: string[];
    try {
      serverUrls = serverUrlList(servers);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (serverUrls.length === 0) throw new UsageError('Missing --server: run "superset host run --server https://your-server --token sk_host_…".');
    if (!token) throw new UsageError("Missing --token (or SUPERSET_HOST_TOKEN): make one on the server with superset hosts register --org ORG --user USER.");
    if (!token.startsWith("sk_host_")) throw new UsageError("--token must be a host token starting with sk_host_ (from superset hosts register), not an API key.");
    const hostId = values["host-id"] as string | undefined;
    if (hostId !== undefined && !v.is(hostIdSchema, hostId)) throw new UsageError(`--host-id must be 32 lowercase hex characters (got "${hostId}").`);
    configureLog({ minimum: values.debug === true ? "debug" : "info" });
    // Nothing the agent runs (git, gh, setup scripts, agents) needs the token, so no child inherits it.
    delete process.env.SUPERSET_HOST_TOKEN;

    let finish!: (code: number) => void;
    const finished = new Promise<number>((resolve) => (finish = resolve));
    const agent = startHostAgent({
      serverUrls,
      token,
      dataDir: (values["data-dir"] as string | undefined) ?? defaultDataDir(),
      hostId,
      name: values.name as string | undefined,
      onRefused: (reason) => {
        console.error(`The server refused this host: ${reason}`);
        finish(1);
      },
    });
    process.once("SIGINT", () => finish(0));
    process.once("SIGTERM", () => finish(0));
    const code = await finished;
    await agent.stop();
    return code;
  },
};

export const hostRunCommands: Command[] = [hostRun];
