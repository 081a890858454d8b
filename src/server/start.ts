/**
 * Starts the server from a loaded config: refuses a bad start with one sentence, opens and
 * migrates the database, makes sure dev mode has its user, and listens.
 */
import { startupProblems, startupWarnings, usesExternalJwts } from "../config/checks.ts";
import { externalJwtAudienceNotice } from "../auth/audience.ts";
import { publicBaseUrl } from "../config/load.ts";
import { devSecretKeyDir, resolveSecretKey } from "../config/secret-key.ts";
import { buildCustomProvider } from "../auth/factory.ts";
import type { AuthProvider, ResolvedConfig } from "../config/schema.ts";
import { openDatabase, type Database } from "../db/client.ts";
import { log } from "../log.ts";
import { ensureDevUser } from "../services/bootstrap.ts";
import { createServices } from "../services/index.ts";
import { ALL_TOOLS } from "../tools/index.ts";
import { systemClock } from "../scheduler/clock.ts";
import { createScheduler } from "../scheduler/scheduler.ts";
import { createMetrics } from "../metrics/index.ts";
import { createApp, createHostAccess } from "./app.ts";
import { createShutdownSwitch, drain, type DrainOutcome } from "./shutdown.ts";
import { DEFAULT_STORE_KEY_PREFIX, connectRedisStore, redactedRedisUrl, type RedisStore } from "../store/redis.ts";
import { createHostRouter, type HostRouter } from "../hosts/routing.ts";

/** A start-up refusal: the CLI prints the message and exits non-zero. */
export class StartupError extends Error {
  override name = "StartupError";
}

export interface RunningServer {
  url: string;
  port: number;
  /** Drains within MCP_SHUTDOWN_TIMEOUT_SECONDS (see shutdown.ts) and says whether it had to cut what was left. */
  stop(): Promise<DrainOutcome>;
}

function unknownDisabledTools(config: ResolvedConfig): string[] {
  const known = new Set(ALL_TOOLS.map((tool) => tool.name));
  return config.MCP_DISABLED_TOOLS.filter((name) => !known.has(name));
}

/**
 * Bun's own cap on every request body (it answers a bare 413 and closes the connection): a
 * backstop for any route that would read a body without a cap of its own. Every route has one
 * (/mcp MCP_MAX_REQUEST_BYTES with a JSON-RPC 413, the forms and OAuth endpoints far less), so it
 * sits well above them and /mcp's own answer is what clients see.
 */
export const bodySizeBackstop = (config: Pick<ResolvedConfig, "MCP_MAX_REQUEST_BYTES">) => config.MCP_MAX_REQUEST_BYTES * 16;

export interface StartOptions {
  /** LoadedConfig.baseDir: where the dev-mode SECRET_KEY file goes when the database is not a SQLite file (default: the current directory). */
  baseDir?: string;
}

export async function startServer(config: ResolvedConfig, { baseDir = process.cwd() }: StartOptions = {}): Promise<RunningServer> {
  const problems = await startupProblems(config);
  const unknown = unknownDisabledTools(config);
  if (unknown.length) problems.push(`MCP_DISABLED_TOOLS names unknown tools: ${unknown.join(", ")}; the tools are ${ALL_TOOLS.map((t) => t.name).join(", ")}.`);
  if (problems.length) throw new StartupError(problems.join("\n"));
  for (const warning of startupWarnings(config)) log.warn(warning);
  if (usesExternalJwts(config)) {
    const notice = externalJwtAudienceNotice(config);
    log[notice.level](notice.message);
  }
  try {
    config = {
      ...config,
      SECRET_KEY: await resolveSecretKey(config, { dataDir: devSecretKeyDir(config.DATABASE_URL, baseDir), onGenerated: (path) => log.info(`Generated a SECRET_KEY for dev mode into ${path}`) }),
    };
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
  let customProvider: AuthProvider | null;
  try {
    customProvider = await buildCustomProvider(config);
  } catch (error) {
    throw new StartupError((error as Error).message);
  }

  // Before the database: a replica that cannot share state must not start serving with state of its own.
  let sharedStore: RedisStore | null = null;
  // Host commands for hosts whose socket another replica holds go through Redis pub/sub (hosts/routing.ts).
  let hostRouter: HostRouter | null = null;
  const storeUrl = config.MCP_STORE_CONFIG.enabled ? config.MCP_STORE_CONFIG.CACHE_REDIS_URL : null;
  if (storeUrl) {
    try {
      sharedStore = await connectRedisStore({ url: storeUrl, keyPrefix: config.MCP_CACHE_CONFIG.CACHE_KEY_PREFIX ?? DEFAULT_STORE_KEY_PREFIX });
      hostRouter = await createHostRouter({ store: sharedStore, defaultTimeoutMs: config.HOST_COMMAND_TIMEOUT * 1000 });
    } catch (error) {
      sharedStore?.close();
      // Bun's client reports a certificate it refused as a closed connection: say what to check.
      const tls = storeUrl.startsWith("rediss://")
        ? " (with rediss://, Redis's certificate must match the URL's host name and be signed by a CA this machine trusts; NODE_EXTRA_CA_CERTS names a further CA file)"
        : "";
      throw new StartupError(
        `Cannot reach the Redis of MCP_STORE_CONFIG.CACHE_REDIS_URL (${redactedRedisUrl(storeUrl)}): ${error instanceof Error ? error.message : String(error)}${tls}; start Redis or correct the URL, or set MCP_STORE_CONFIG.enabled to false.`,
      );
    }
  }

  let db: Database;
  try {
    db = openDatabase(config.DATABASE_URL);
    await db.migrate();
  } catch (error) {
    await hostRouter?.close();
    sharedStore?.close();
    throw new StartupError(`Cannot open the database of DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
  const services = createServices(db);
  if (!config.MCP_AUTH_ENABLED && config.MCP_DEV_USERNAME) {
    try {
      const { notice } = await ensureDevUser(services, config.MCP_DEV_USERNAME);
      if (notice) log.info(notice);
    } catch (error) {
      await db.close();
      await hostRouter?.close();
      sharedStore?.close();
      throw new StartupError((error as Error).message);
    }
  }

  let lift: (request: Request) => void = () => {};
  const metrics = await createMetrics(
    config,
    ALL_TOOLS.map((tool) => tool.name),
  );
  const hosts = createHostAccess(config, services, undefined, metrics, hostRouter);
  const scheduler = config.SCHEDULER_ENABLED ? createScheduler({ services, hub: hosts.hub, dispatcher: hosts.runs, clock: systemClock, runTimeoutSeconds: config.RUN_TIMEOUT_SECONDS, metrics }) : null;
  const shutdown = createShutdownSwitch();
  const app = createApp({ config, services, customProvider, hosts, shutdown, metrics, sharedStore, runtime: { schedulerRunning: scheduler !== null }, onStream: (request) => lift(request) });
  // Signals of other replicas (sessions, listen) must reach this one before it serves anything.
  await sharedStore?.subscribed();
  try {
    // reusePort off (Elysia turns it on): a second server on a busy port must fail, not share it.
    app.listen({ hostname: config.MCP_SERVICE_HOST, port: config.MCP_SERVICE_PORT, reusePort: false, development: false, maxRequestBodySize: bodySizeBackstop(config) });
  } catch (error) {
    await db.close();
    await hostRouter?.close();
    sharedStore?.close();
    const code = (error as { code?: string }).code;
    const port = config.MCP_SERVICE_PORT;
    if (code === "EADDRINUSE") {
      throw new StartupError(
        `Port ${port} on ${config.MCP_SERVICE_HOST} is already in use; find the process with "lsof -i :${port}" (or "ss -ltnp 'sport = :${port}'") and stop it, or start with --port <another>.`,
      );
    }
    throw new StartupError(`Cannot listen on ${config.MCP_SERVICE_HOST}:${port}: ${(error as Error).message}`);
  }
  const server = app.server!;
  await scheduler?.start();
  // SSE streams may stay quiet for minutes between events; the heartbeat keeps proxies happy, this keeps Bun from closing them.
  lift = (request) => server.timeout(request, 0);
  const url = `${publicBaseUrl({ ...config, MCP_SERVICE_URL: null, MCP_SERVICE_PORT: server.port ?? config.MCP_SERVICE_PORT })}/mcp`;
  log.info(`Superset MCP serving ${url}`, { mode: config.MCP_AUTH_ENABLED ? "auth" : `dev user ${config.MCP_DEV_USERNAME}`, database: db.dialect });
  return {
    url,
    port: server.port ?? config.MCP_SERVICE_PORT,
    stop: async () => {
      const outcome = await drain({ server, shutdown, scheduler, hub: hosts.hub, db, timeoutSeconds: config.MCP_SHUTDOWN_TIMEOUT_SECONDS });
      // After the drain: the requests it let finish may still count, cache, record tasks or answer routed host calls.
      await hostRouter?.close();
      sharedStore?.close();
      return outcome;
    },
  };
}
