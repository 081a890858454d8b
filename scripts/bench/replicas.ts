/**
 * The benchmark's rows for the Redis store and several replicas (run.ts calls `benchStoreAndReplicas`):
 *
 * - (s1) ours with the rate limit on and the store off, the reference of this group;
 * - (s2) the same with the store on (Redis on loopback): every request counts its rate limit and,
 *   with sessions in Redis, finds its session there. Aim: ≥ 0.8× (s1).
 * - (n1) one replica behind nginx (plain HTTP on loopback, the shipped proxy settings for /mcp),
 *   store on, and (n3) three replicas behind the same nginx, round-robin: their ratio.
 *
 * Every row sends the legacy `tasks_list` of (a) over one session, on the seeded SQLite file (the
 * replicas share it; reads only). Redis is BENCH_REDIS_URL, else TEST_REDIS_URL, else
 * redis://127.0.0.1:6379; the keys go under a prefix of this run's own and are deleted after.
 * Without Redis or nginx the rows are left out with a line saying why.
 */
import { RedisClient, type Subprocess } from "bun";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deleteKeys } from "../../tests/helpers/redis-keys.ts";
import { openSession, postHeaders, verifyAnswer } from "./mcp.ts";
import { freePort, waitUntilServing } from "./processes.ts";
import type { TargetFigures } from "./report.ts";

const NGINX = "/usr/sbin/nginx";
const REPLICAS = 3;
const STORE_TO_NO_STORE_AIM = 0.8;
/** So high that wrk's run never reaches it: the limit is counted on every request, never refused. */
const UNREACHED_LIMIT = 1_000_000_000;

/** What run.ts lends: its load (warm-up, measured run, checks), process tracking and config writer. */
export interface ReplicaBenchContext {
  dir: string;
  load(target: string, server: Subprocess, url: string, headers: Record<string, string>, responseBytes: number): Promise<TargetFigures>;
  /** Spawns `cmd` with its output in <dir>/<name>.log, tracked so an interrupted run stops it. */
  start(cmd: string[], name: string): { server: Subprocess; log: string };
  stop(server: Subprocess): Promise<void>;
  /** Writes ours's config for `port` (dev mode over the bench database, plus `extra`) to `file` and returns its path. */
  writeConfig(extra: Record<string, unknown>, port: number, file: string): string;
  /** The command that runs ours with the config at `path`. */
  command(path: string): string[];
}

export interface ReplicaBenchResult {
  figures: TargetFigures[];
  aims: { figure: string; value: string; aim: string; pass: boolean }[];
  notes: string[];
}

const redisUrl = () => process.env.BENCH_REDIS_URL || process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";

/** A connected client, or null when nothing answers at `url`. */
async function reachableRedis(url: string): Promise<RedisClient | null> {
  const client = new RedisClient(url, { autoReconnect: false, connectionTimeout: 2_000 });
  try {
    await client.connect();
    await client.send("PING", []);
    return client;
  } catch {
    client.close();
    return null;
  }
}

/** nginx in front of `ports`, listening on `listenPort`: /mcp proxied as scripts/deploy/nginx.conf does it, without TLS. */
function nginxConfig(root: string, listenPort: number, ports: number[]): string {
  return `worker_processes auto;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${root}/body;
    proxy_temp_path ${root}/proxy;
    fastcgi_temp_path ${root}/fastcgi;
    uwsgi_temp_path ${root}/uwsgi;
    scgi_temp_path ${root}/scgi;
    upstream superset {
        ${ports.map((port) => `server 127.0.0.1:${port};`).join("\n        ")}
        keepalive 16;
        keepalive_timeout 5s;
    }
    server {
        listen 127.0.0.1:${listenPort};
        location = /mcp {
            proxy_pass http://superset;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }
    }
}
`;
}

/** Starts `count` replicas of ours (store on) and nginx before them; returns nginx's MCP URL and the processes. */
async function startBehindNginx(context: ReplicaBenchContext, count: number, storeConfig: Record<string, unknown>) {
  const servers: Subprocess[] = [];
  const ports: number[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const port = freePort();
      const { server } = context.start(context.command(context.writeConfig(storeConfig, port, `replica-${count}-${index}.ts`)), `replica-${count}-${index}`);
      servers.push(server);
      ports.push(port);
      await waitUntilServing(server, `http://127.0.0.1:${port}/health`, true);
    }
    const root = join(context.dir, `nginx-${count}`);
    mkdirSync(root, { recursive: true });
    const listenPort = freePort();
    writeFileSync(join(root, "nginx.conf"), nginxConfig(root, listenPort, ports));
    const { server: nginx } = context.start([NGINX, "-p", root, "-c", join(root, "nginx.conf"), "-g", "daemon off;"], `nginx-${count}`);
    servers.push(nginx);
    const url = `http://127.0.0.1:${listenPort}/mcp`;
    await waitUntilServing(nginx, url, false);
    return { url, servers, first: servers[0]! };
  } catch (error) {
    await Promise.all(servers.map((server) => context.stop(server)));
    throw error;
  }
}

/** Opens a session at `url`, checks one answer and loads it as `target`. */
async function loadSession(context: ReplicaBenchContext, target: string, server: Subprocess, url: string): Promise<TargetFigures> {
  const headers = postHeaders(await openSession(url));
  const { body } = await verifyAnswer(url, headers);
  return context.load(target, server, url, headers, Buffer.byteLength(body));
}

/** One replica on its own port, loaded directly. */
async function benchSingle(context: ReplicaBenchContext, name: string, target: string, extra: Record<string, unknown>): Promise<TargetFigures> {
  const port = freePort();
  const { server } = context.start(context.command(context.writeConfig(extra, port, `${name}.ts`)), name);
  try {
    await waitUntilServing(server, `http://127.0.0.1:${port}/health`, true);
    return await loadSession(context, target, server, `http://127.0.0.1:${port}/mcp`);
  } finally {
    await context.stop(server);
  }
}

async function benchNginx(context: ReplicaBenchContext, target: string, count: number, storeConfig: Record<string, unknown>): Promise<TargetFigures> {
  const { url, servers, first } = await startBehindNginx(context, count, storeConfig);
  try {
    return await loadSession(context, target, first, url);
  } finally {
    await Promise.all(servers.map((server) => context.stop(server)));
  }
}

const ratio = (a: TargetFigures, b: TargetFigures) => a.requestsPerSecond / b.requestsPerSecond;

/** The store and replica rows, their aim and what could not run. */
export async function benchStoreAndReplicas(context: ReplicaBenchContext): Promise<ReplicaBenchResult> {
  const url = redisUrl();
  const redis = await reachableRedis(url);
  if (!redis) return { figures: [], aims: [], notes: [`store rows left out: no Redis answers at ${url} (set BENCH_REDIS_URL)`] };
  const prefix = `bench-${crypto.randomUUID()}`;
  const limited = { MCP_RATE_LIMIT: { enabled: true, requests: UNREACHED_LIMIT, window_seconds: 60 } };
  const store = { ...limited, MCP_STORE_CONFIG: { enabled: true, CACHE_REDIS_URL: url, event_store_max_events: 100, event_store_ttl: 3600 }, MCP_CACHE_CONFIG: { CACHE_KEY_PREFIX: prefix } };
  try {
    const storeOff = await benchSingle(context, "store-off", "(s1) ours, rate limit on, store off", limited);
    const storeOn = await benchSingle(context, "store-on", "(s2) ours, store on (Redis loopback)", store);
    const figures = [storeOff, storeOn];
    const aims = [{ figure: "store on/off req/s", value: `${ratio(storeOn, storeOff).toFixed(2)}×`, aim: `≥ ${STORE_TO_NO_STORE_AIM}×`, pass: ratio(storeOn, storeOff) >= STORE_TO_NO_STORE_AIM }];
    if (!existsSync(NGINX)) return { figures, aims, notes: [`replica rows left out: ${NGINX} is missing (apt-get install nginx)`] };
    const one = await benchNginx(context, "(n1) 1 replica behind nginx, store on", 1, store);
    const three = await benchNginx(context, `(n3) ${REPLICAS} replicas behind nginx, store on`, REPLICAS, store);
    figures.push(one, three);
    const cores = navigator.hardwareConcurrency;
    const notes = [`${REPLICAS} replicas / 1 replica behind nginx: ${ratio(three, one).toFixed(2)}× on ${cores} cores shared with wrk and nginx (more replicas than cores cannot add throughput here)`];
    return { figures, aims, notes };
  } finally {
    await deleteKeys(redis, prefix).catch(() => {});
    redis.close();
  }
}
