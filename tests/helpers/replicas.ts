/**
 * Several replicas of the built binary as an operator runs them: each on its own loopback port,
 * all on one PostgreSQL database (fresh per suite) and one Redis (a key prefix of the suite's own),
 * behind real nginx running the shipped site with one upstream `server` line per replica
 * (round-robin). nginx adds `X-Superset-Upstream` to every answer, so a test sees which replica
 * served a request. A replica can be killed with SIGKILL and started again on its port.
 *
 * Needs nginx, TEST_DATABASE_URL and a Redis; `replicasAvailable` declares the skipped (or, under
 * CI, failing) test when one is missing.
 */
import { existsSync } from "node:fs";
import { test } from "bun:test";
import { RedisClient } from "bun";
import { ensureDevUser } from "../../src/services/bootstrap.ts";
import { createServices } from "../../src/services/index.ts";
import { DATABASES, type TestDatabase } from "./databases.ts";
import { createSandbox, freePort, type RunningServer, type Sandbox } from "./binary.ts";
import { makeCertificates, NGINX, PUBLIC_NAME, startNginx, type RunningNginx, type TestCertificates } from "./nginx.ts";
import { REDIS_URL, deleteKeys, uniquePrefix } from "./redis.ts";

export const UPSTREAM_HEADER = "x-superset-upstream";
/** The dev-mode user every replica serves as (the sandbox's base config names it). */
const DEV_USERNAME = "admin";
const POSTGRES = DATABASES.find((variant) => variant.name === "PostgreSQL");

/** What the replica tests need that this machine may lack, as sentences; empty when all is there. */
function missing(): string[] {
  const problems: string[] = [];
  if (!existsSync(NGINX)) problems.push(`${NGINX} is missing (apt-get install nginx)`);
  if (!POSTGRES) problems.push("TEST_DATABASE_URL is not set (the replicas share one PostgreSQL database)");
  if (!REDIS_URL) problems.push("TEST_REDIS_URL is not set (the replicas share one Redis)");
  return problems;
}

/**
 * Declares the skipped (or, when CI is set, failing) test when nginx, PostgreSQL or Redis is
 * missing, and returns whether the suite can run.
 */
export function replicasAvailable(suite: string): boolean {
  const problems = missing();
  if (problems.length === 0) return true;
  if (process.env.CI) {
    test(`${suite} (nginx, TEST_DATABASE_URL and TEST_REDIS_URL are required when CI is set)`, () => {
      throw new Error(`CI is set but ${problems.join("; ")}.`);
    });
  } else {
    console.warn(`${suite} skipped: ${problems.join("; ")}.`);
    test.skip(`${suite} (${problems.join("; ")})`, () => {});
  }
  return false;
}

export interface ReplicaSetOptions {
  /** How many replicas (default 3). */
  count?: number;
  /** The Redis they share (default TEST_REDIS_URL); a test that stops Redis passes its own. */
  redisUrl?: string;
  /** Config keys every replica gets on top of the base config, the database and the store. */
  config?: Record<string, unknown>;
  /** Rows the replicas must find when they start (e.g. automations due soon), written to the migrated database first. */
  seed?: (database: TestDatabase) => Promise<void>;
}

/** One running replica; `server` changes when it is restarted. */
export interface Replica {
  index: number;
  port: number;
  /** How nginx names it in `$upstream_addr`: 127.0.0.1:<port>. */
  address: string;
  server: RunningServer;
  /** Its own base URL, past nginx: http://127.0.0.1:<port>. */
  directUrl: string;
}

export interface ReplicaSet {
  /** nginx's https base URL (PUBLIC_NAME and its port), which is every replica's MCP_SERVICE_URL. */
  url: string;
  replicas: Replica[];
  nginx: RunningNginx;
  certificates: TestCertificates;
  sandbox: Sandbox;
  /** The suite's own handle on the shared database. */
  database: TestDatabase;
  /** The replicas' CACHE_KEY_PREFIX. */
  keyPrefix: string;
  /** The config file values every replica started with (its own port aside). */
  config: Record<string, unknown>;
  /** fetch trusting the test CA, as a client trusts a real certificate. */
  fetch: typeof fetch;
  /** The replica nginx passed `response` to last (after a retry, the one that answered). */
  servedBy(response: Response): Replica;
  /** A fetch like `fetch` that also records which replica served each answer, in order (for SDK clients' `fetch` option). */
  recordingFetch(): { fetch: typeof fetch; served: Replica[] };
  /** SIGKILL to one replica; resolves once it has exited. */
  kill(index: number): Promise<void>;
  /** Starts a killed (or stopped) replica again on its port, with the same config. */
  restart(index: number): Promise<void>;
  /** Stops nginx and every replica, drops the database, deletes the suite's keys and the temp folders. */
  dispose(): Promise<void>;
}

/** Migrates a fresh database (so the replicas never race over migrations), starts the replicas one after another, then nginx in front of them. */
export async function startReplicaSet({ count = 3, redisUrl = REDIS_URL, config = {}, seed }: ReplicaSetOptions = {}): Promise<ReplicaSet> {
  if (!POSTGRES || !redisUrl) throw new Error(`The replica set needs ${missing().join("; ")}.`);
  const certificates = await makeCertificates();
  const cleanUps: (() => Promise<unknown>)[] = [() => certificates.remove()];
  const cleanUp = async () => {
    for (const step of cleanUps.reverse()) await step().catch(() => {});
  };
  try {
    const database = await POSTGRES.open();
    cleanUps.push(() => database.dispose());
    // What the first dev-mode replica would do on the empty database, before a seed adds other users.
    await ensureDevUser(createServices(database.db), DEV_USERNAME);
    await seed?.(database);
    const sandbox = await createSandbox();
    cleanUps.push(() => sandbox.dispose());
    const keyPrefix = uniquePrefix("replicas");
    const ports = { httpsPort: freePort(), httpPort: freePort() };
    const url = `https://${PUBLIC_NAME}:${ports.httpsPort}`;
    const shared = {
      ...sandbox.baseConfig(),
      DATABASE_URL: database.url,
      MCP_SERVICE_URL: url,
      // One secret for all, as an operator gives every replica the same SECRET_KEY (cookies, CSRF tokens, signing keys).
      SECRET_KEY: `replicas-${crypto.randomUUID()}-${crypto.randomUUID()}`,
      MCP_STORE_CONFIG: { enabled: true, CACHE_REDIS_URL: redisUrl, event_store_max_events: 100, event_store_ttl: 3600 },
      MCP_CACHE_CONFIG: { CACHE_KEY_PREFIX: keyPrefix },
      ...config,
    };
    const startReplica = (port: number) => sandbox.start({ config: { ...shared, MCP_SERVICE_PORT: port } });

    const replicas: Replica[] = [];
    for (let index = 0; index < count; index++) {
      const port = freePort();
      replicas.push({ index, port, address: `127.0.0.1:${port}`, server: await startReplica(port), directUrl: `http://127.0.0.1:${port}` });
    }
    const nginx = await startNginx({ ...ports, upstreamPort: replicas.map((replica) => replica.port), revealUpstream: true, certificates });
    cleanUps.push(() => nginx.stop());

    const byAddress = new Map(replicas.map((replica) => [replica.address, replica]));
    const tlsFetch = ((input: string | URL | Request, init: RequestInit = {}) => fetch(input, { ...init, tls: { ca: certificates.ca } })) as typeof fetch;
    const servedBy = (response: Response): Replica => {
      // After a failed attempt nginx lists every upstream it tried: "a, b" (or "a : b" across groups).
      const last = response.headers
        .get(UPSTREAM_HEADER)
        ?.split(/[,:]\s/)
        .pop()
        ?.trim();
      const replica = last ? byAddress.get(last) : undefined;
      if (!replica) throw new Error(`The answer names no replica in ${UPSTREAM_HEADER}: ${JSON.stringify(response.headers.get(UPSTREAM_HEADER))}`);
      return replica;
    };
    return {
      url,
      replicas,
      nginx,
      certificates,
      sandbox,
      database,
      keyPrefix,
      config: shared,
      fetch: tlsFetch,
      servedBy,
      recordingFetch() {
        const served: Replica[] = [];
        const recording = (async (input: string | URL | Request, init?: RequestInit) => {
          const response = await tlsFetch(input, init);
          served.push(servedBy(response));
          return response;
        }) as typeof fetch;
        return { fetch: recording, served };
      },
      async kill(index) {
        const { server } = replicas[index]!;
        server.kill("SIGKILL");
        await server.exited;
      },
      async restart(index) {
        const replica = replicas[index]!;
        replica.server = await startReplica(replica.port);
      },
      async dispose() {
        await cleanUp();
        await deleteKeysAt(redisUrl, keyPrefix);
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** Deletes the keys under `prefix` in the Redis at `url`; a Redis a test has already stopped holds none. */
async function deleteKeysAt(url: string, prefix: string): Promise<void> {
  const client = new RedisClient(url, { autoReconnect: false, connectionTimeout: 2_000 });
  try {
    await client.connect();
    await deleteKeys(client, prefix);
  } catch {
    // Nothing listens there any more: its keys went with it.
  } finally {
    client.close();
  }
}
