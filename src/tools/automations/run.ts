import * as v from "valibot";
import { RUN_STATUSES } from "../../db/schema/values.ts";
import { uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";

export const automationsRun = defineTool({
  name: "automations_run",
  description:
    "Run an automation now, outside its schedule (which stays as it is); a run already going does not stop another. Answers once the agent has been launched on a host (status running) or the run was refused (skipped_offline when the host is offline, dispatch_failed with the reason). Returns {automationId, runId, status}; follow it with automations_logs.",
  input: v.strictObject({ id: uuid() }),
  output: v.object({ automationId: v.string(), runId: v.string(), status: v.picklist(RUN_STATUSES) }),
  annotations: { title: "Run an automation now", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  cacheable: false,
  async handler({ id }, { actor, hosts }) {
    return hosts.runs.runNow(actor, id);
  },
});
