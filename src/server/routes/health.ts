/** Liveness and readiness for load balancers and systemd: no authentication, no pipeline. */
import { Elysia } from "elysia";
import type { Database } from "../../db/client.ts";

export const healthRoutes = (db: Database) =>
  new Elysia({ name: "health" })
    .get("/health", () => ({ status: "ok" }))
    .get("/ready", async function readiness({ set }) {
      const database = await db.ping().then(
        () => "ok",
        (error: unknown) => `down: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (database === "ok") return { status: "ready", database };
      set.status = 503;
      return { status: "unavailable", down: ["database"], database };
    });
