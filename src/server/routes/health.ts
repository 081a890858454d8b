/** Liveness and readiness for load balancers and systemd: no authentication, no pipeline. */
import { Elysia } from "elysia";
import type { Database } from "../../db/client.ts";
import { log } from "../../log.ts";

export const healthRoutes = (db: Database) =>
  new Elysia({ name: "health" })
    .get("/health", () => ({ status: "ok" }))
    .get("/ready", async function readiness({ set }) {
      // The reason goes to the log, not to an unauthenticated caller.
      const database = await db.ping().then(
        () => "ok",
        (error: unknown) => {
          log.warn("readiness: database does not answer", { error: error instanceof Error ? error.message : String(error) });
          return "down";
        },
      );
      if (database === "ok") return { status: "ready", database };
      set.status = 503;
      return { status: "unavailable", down: ["database"], database };
    });
