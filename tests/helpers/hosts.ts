/**
 * A real server listening on a free port, with host agents connected to it over real WebSockets:
 * in this process (startHostAgent) or as a separate `superset host run` process that tests may
 * kill and restart.
 */
import { join, resolve } from "node:path";
import { startHostAgent } from "../../src/agent/run.ts";
import type { ResolvedConfig } from "../../src/config/schema.ts";
import type { Actor } from "../../src/services/actor.ts";
import type { Services } from "../../src/services/index.ts";
import { createTestApp, type TestApp } from "./app.ts";
import { tempDir } from "./temp-dirs.ts";

const REPO_ROOT = resolve(import.meta.dir, "../..");

export interface ListeningApp extends TestApp {
  baseUrl: string;
  stop(): Promise<void>;
}

/** The test app over a fresh in-memory database, also listening on 127.0.0.1 at a free port. */
export async function listeningApp(overrides: Partial<ResolvedConfig> = {}): Promise<ListeningApp> {
  const t = await createTestApp(overrides);
  t.app.listen({ hostname: "127.0.0.1", port: 0, reusePort: false, development: false });
  const baseUrl = `http://127.0.0.1:${t.app.server!.port}`;
  return {
    ...t,
    baseUrl,
    async stop() {
      await t.app.stop(true);
      await t.db.close();
    },
  };
}

/** A fresh folder for a host agent's data. */
export const tempDataDir = (prefix = "superset-host-") => tempDir(prefix);

/** A random host id (32 hex characters), so several agents can run on one machine. */
export const randomHostId = () => crypto.randomUUID().replaceAll("-", "");

/** Registers a host for `actor` and returns its one-time token. */
export async function registerHost(services: Services, actor: Actor, name = "build-box"): Promise<string> {
  const { token } = await services.hosts.register({ organizationId: actor.organizationId, ownerUserId: actor.userId, name });
  return token;
}

export interface AgentOptions {
  baseUrl: string;
  /** More server URLs (other replicas), each passed as its own `--server` after `baseUrl`. */
  moreServers?: string[];
  token: string;
  dataDir?: string;
  hostId?: string;
  name?: string;
  env?: Record<string, string>;
}

/** A host agent in this process, connected over a real WebSocket. */
export function inProcessAgent(options: AgentOptions) {
  const dataDir = options.dataDir ?? tempDataDir();
  const agent = startHostAgent({ serverUrls: [options.baseUrl], token: options.token, dataDir, hostId: options.hostId ?? randomHostId(), name: options.name ?? "test-host" });
  return { ...agent, dataDir };
}

/** `superset host run` as its own process (Bun running src/main.ts), with its output kept for failure messages. */
export function agentProcess(options: AgentOptions) {
  const dataDir = options.dataDir ?? tempDataDir();
  const hostId = options.hostId ?? randomHostId();
  const servers = [options.baseUrl, ...(options.moreServers ?? [])].flatMap((url) => ["--server", url]);
  const argv = [process.execPath, join(REPO_ROOT, "src/main.ts"), "host", "run", ...servers, "--data-dir", dataDir, "--host-id", hostId, "--name", options.name ?? "test-host"];
  const child = Bun.spawn(argv, { cwd: REPO_ROOT, env: { ...process.env, SUPERSET_HOST_TOKEN: options.token, ...options.env }, stdout: "pipe", stderr: "pipe" });
  let output = "";
  const decoder = new TextDecoder();
  void (async () => {
    const reader = child.stderr.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) output += decoder.decode(chunk.value);
  })();
  return {
    child,
    dataDir,
    hostId,
    output: () => output,
    /** SIGKILL: the agent gets no chance to tidy up, like a crash or a power cut. */
    async kill(): Promise<void> {
      child.kill("SIGKILL");
      await child.exited;
    },
    async stop(): Promise<number | null> {
      child.kill("SIGTERM");
      return child.exited;
    },
  };
}
