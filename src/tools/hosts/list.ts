import * as v from "valibot";
import { listOutput } from "../schemas.ts";
import { defineTool } from "../types.ts";

export const hostsList = defineTool({
  name: "hosts_list",
  description:
    "List the machines (hosts) you may run work on, with whether each is online now and when it was last seen. Call this first: every workspace, project, agent and terminal tool takes a hostId from here. An offline host needs its agent started (superset host run) before it can do anything.",
  input: v.strictObject({}),
  output: listOutput(
    v.object({
      id: v.string(),
      name: v.string(),
      online: v.boolean(),
      lastSeenAt: v.nullable(v.string()),
      platform: v.nullable(v.string()),
      agentVersion: v.nullable(v.string()),
      organizationId: v.string(),
    }),
  ),
  annotations: { title: "List hosts", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  // Presence changes without any write, so an answer is never served from the cache.
  cacheable: false,
  async handler(_args, { services, actor, hosts }) {
    const registrations = await services.hosts.listForActor(actor);
    const result = await Promise.all(
      registrations.map(async (host) => {
        const online = await hosts.hub.isOnline(host.registrationId);
        return {
          id: host.id!,
          name: host.name,
          online,
          lastSeenAt: online ? new Date().toISOString() : host.lastSeenAt,
          platform: host.platform,
          agentVersion: host.agentVersion,
          organizationId: host.organizationId,
        };
      }),
    );
    return { result, nextOffset: null };
  },
});
