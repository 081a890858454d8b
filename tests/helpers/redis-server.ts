/**
 * A private redis-server for the tests that stop Redis or speak TLS to it: its own random port,
 * nothing saved to disk, stopped and started again on the same port. The shared Redis of
 * TEST_REDIS_URL is never stopped by a test.
 */
import type { Subprocess } from "bun";
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acceptsConnections, freePort } from "./binary.ts";
import { eventually } from "./eventually.ts";

export const REDIS_SERVER = "/usr/bin/redis-server";
const READY_TIMEOUT_MS = 10_000;

/** The certificate and key a TLS port serves, and the CA that signed them (only used to verify clients, which these tests do not ask for). */
export interface RedisTls {
  certPath: string;
  keyPath: string;
  caPath: string;
}

export interface PrivateRedis {
  /** redis://127.0.0.1:<port>, or rediss://localhost:<port> with TLS. */
  url: string;
  port: number;
  /** Ends the server (SIGKILL: nothing is saved anyway) and waits for its exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty, and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it and deletes its folder. */
  dispose(): Promise<void>;
}

/** True when redis-server is installed (CI installs it; the shared Redis may run elsewhere). */
export const hasRedisServer = () => existsSync(REDIS_SERVER);

/** Starts redis-server on a free loopback port, plain or (with `tls`) TLS only, and waits until it accepts connections. */
export async function startPrivateRedis(tls?: RedisTls): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), "superset-redis-"));
  const port = freePort();
  const portArgs = tls
    ? ["--port", "0", "--tls-port", String(port), "--tls-cert-file", tls.certPath, "--tls-key-file", tls.keyPath, "--tls-ca-cert-file", tls.caPath, "--tls-auth-clients", "no"]
    : ["--port", String(port)];
  // Also on 127.0.0.2: a loopback address that no test certificate names.
  const args = [REDIS_SERVER, "--bind", "127.0.0.1", "127.0.0.2", ...portArgs, "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", join(dir, "redis.log")];
  let child: Subprocess | null = null;

  const stop = async () => {
    if (!child) return;
    child.kill("SIGKILL");
    await child.exited;
    child = null;
  };
  const start = async () => {
    const spawned = Bun.spawn(args, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    child = spawned;
    await eventually(
      `redis-server to answer on port ${port}`,
      async () => {
        if (spawned.exitCode !== null)
          throw new Error(
            `redis-server exited with code ${spawned.exitCode}:\n${await Bun.file(join(dir, "redis.log"))
              .text()
              .catch(() => "")}`,
          );
        return acceptsConnections(port);
      },
      READY_TIMEOUT_MS,
    );
  };

  try {
    await start();
  } catch (error) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: tls ? `rediss://localhost:${port}` : `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
