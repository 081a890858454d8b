import * as v from "valibot";
import { defineTool } from "../types.ts";
import { findHost, isHostOnline, onHost, projectView } from "../hosts/on-host.ts";
import { hostIdInput, hostListOutput, projectOutput } from "../hosts/schemas.ts";

export const projectsList = defineTool({
  name: "projects_list",
  description:
    "List the git projects on a host (hostId from hosts_list): name, folder, remote URL and default branch. While the host is briefly offline the answer is the server's last-known list (source: last_known, asOf: when it was taken).",
  input: v.strictObject({ hostId: hostIdInput() }),
  output: hostListOutput(projectOutput),
  annotations: { title: "List projects on a host", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cacheable: false,
  async handler({ hostId }, context) {
    const host = await findHost(context, hostId);
    if (await isHostOnline(context, host)) {
      const inventory = await onHost(context, host, "inventory", {});
      return { result: inventory.projects.map(projectView), nextOffset: null, source: "host" as const, asOf: new Date().toISOString() };
    }
    const records = await context.services.hosts.listProjects(host);
    return { result: records.map(projectView), nextOffset: null, source: "last_known" as const, asOf: host.lastSeenAt };
  },
});
