/** Liveness and readiness for load balancers and systemd: no authentication, no pipeline. */
import { Elysia } from "elysia";
import type { Database } from "../../db/client.ts";
import { log } from "../../log.ts";
import type { RedisStore } from "../../store/redis.ts";

/** How long /ready waits for Redis: a balancer's probe must get its answer well within its own timeout. */
const STORE_PING_TIMEOUT_MS = 1_000;

/** Whether `check` succeeds; the reason of a failure goes to the log, not to an unauthenticated caller. */
const probe = (what: string, check: () => Promise<unknown>) =>
  check().then(
    () => "ok" as const,
    (error: unknown) => {
      log.warn(`readiness: ${what} does not answer`, { error: error instanceof Error ? error.message : String(error) });
      return "down" as const;
    },
  );

/** GET /health (the process runs) and GET /ready (the database, and the shared store when there is one, answer: else 503 naming them in `down`). */
export const healthRoutes = (db: Database, store: Pick<RedisStore, "ping"> | null = null) =>
  new Elysia({ name: "health" })
    .get("/health", () => ({ status: "ok" }))
    .get("/ready", async function readiness({ set }) {
      const [database, shared] = await Promise.all([probe("database", () => db.ping()), store ? probe("store", () => store.ping(STORE_PING_TIMEOUT_MS)) : null]);
      const states = shared === null ? { database } : { database, store: shared };
      const down = Object.entries(states)
        .filter(([, state]) => state === "down")
        .map(([name]) => name);
      if (!down.length) return { status: "ready", ...states };
      set.status = 503;
      return { status: "unavailable", down, ...states };
    });
