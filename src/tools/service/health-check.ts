import * as v from "valibot";
import { VERSION } from "../../version.ts";
import { defineTool } from "../types.ts";

export const healthCheck = defineTool({
  name: "health_check",
  description:
    "Report whether the server and its database answer, with its version, uptime, store, scheduler and how many hosts are online (across every replica, and on this one). Call it when other tools fail unexpectedly.",
  input: v.strictObject({}),
  output: v.object({
    status: v.picklist(["ok", "degraded"]),
    version: v.string(),
    uptimeSeconds: v.number(),
    database: v.picklist(["ok", "down"]),
    store: v.string(),
    scheduler: v.picklist(["running", "off"]),
    /** Across every replica sharing the Redis store; without it, this server's. */
    hostsOnline: v.number(),
    /** Of those, the ones whose agent is connected to the replica that answered. */
    hostsConnectedHere: v.number(),
  }),
  cacheable: false,
  annotations: { title: "Health check", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(_args, { services, runtime }) {
    const database = await services.db.ping().then(
      () => "ok" as const,
      () => "down" as const,
    );
    return {
      status: database === "ok" ? ("ok" as const) : ("degraded" as const),
      version: VERSION,
      uptimeSeconds: Math.floor((Date.now() - runtime.startedAtMs) / 1000),
      database,
      store: runtime.store,
      scheduler: runtime.schedulerRunning ? ("running" as const) : ("off" as const),
      hostsOnline: await runtime.hostsOnline(),
      hostsConnectedHere: runtime.hostsConnectedHere(),
    };
  },
});
