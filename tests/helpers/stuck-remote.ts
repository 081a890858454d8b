/**
 * A git remote over loopback HTTP that takes requests and answers none until it is stopped: a
 * clone from it waits for ever, so only an abort or a cancel can end it — no sleeps, no timing.
 * With the processes a clone runs, so a test can see them die.
 */
import { readdirSync, readFileSync } from "node:fs";
import { isProcessAlive } from "../../src/agent/process-session.ts";

export interface StuckRemote {
  /** A fresh repository URL on the remote. */
  url(name: string): string;
  /** How many requests reached the remote so far (a clone's first request means git is waiting on it). */
  readonly requests: number;
  /** Answers every waiting request with 404 and stops the server. */
  stop(): void;
}

export function startStuckRemote(): StuckRemote {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let requests = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // Never time the clone's connection out: only the abort may end the clone.
    idleTimeout: 0,
    async fetch() {
      requests++;
      await released;
      return new Response("gone", { status: 404 });
    },
  });
  return {
    url: (name) => `http://127.0.0.1:${server.port}/${name}-${crypto.randomUUID()}.git`,
    get requests() {
      return requests;
    },
    stop() {
      release();
      server.stop(true);
    },
  };
}

/** Live processes whose command line contains `text`. */
export function processesWith(text: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text) && isProcessAlive(Number(entry));
      } catch {
        return false;
      }
    })
    .map(Number);
}
