/**
 * A private redis-server on a free loopback port, for tests that stop Redis under a running
 * server (the shared TEST_REDIS_URL must stay up for everyone else). No persistence: a restart
 * comes back empty, as a Redis that lost its memory does.
 */
import { RedisClient } from "bun";
import { freePort } from "./binary.ts";
import { waitFor } from "./hosts.ts";

export interface PrivateRedis {
  url: string;
  /** Stops the server (SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty, and waits until it answers PING. */
  start(): Promise<void>;
}

async function answersPing(url: string): Promise<boolean> {
  const client = new RedisClient(url, { autoReconnect: false, connectionTimeout: 500 });
  try {
    await client.connect();
    return (await client.send("PING", [])) === "PONG";
  } catch {
    return false;
  } finally {
    client.close();
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ReturnType<typeof Bun.spawn> | null = null;
  const redis: PrivateRedis = {
    url,
    async start() {
      child = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdout: "ignore", stderr: "ignore" });
      await waitFor(`redis-server on port ${port} to answer`, () => answersPing(url));
    },
    async stop() {
      if (!child) return;
      child.kill("SIGKILL");
      await child.exited;
      child = null;
    },
  };
  await redis.start();
  return redis;
}
