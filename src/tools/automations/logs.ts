import * as v from "valibot";
import { notFound } from "../../services/errors.ts";
import { listOutput, uuid } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { runOutput } from "./schemas.ts";
import { boundedInt } from "../limits.ts";

export const automationsLogs = defineTool({
  name: "automations_logs",
  description:
    "List an automation's runs, newest first: status (running, succeeded, failed, canceled, timed_out, skipped_offline, dispatch_failed), exit code, duration, host, workspace and terminal, error, and the last 4 KiB of output. With runId, that one run with its whole captured output. A catch-up run stands for coveredOccurrences missed while no scheduler ran. Only the owner or an organization admin may read them.",
  input: v.strictObject({
    automationId: uuid(),
    limit: v.optional(boundedInt(1, 100), 20),
    runId: v.optional(uuid()),
  }),
  output: listOutput(runOutput),
  annotations: { title: "List an automation's runs", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  // A run's status and output change as the host reports them, with no write through a tool.
  cacheable: false,
  async handler({ automationId, limit, runId }, { services, actor }) {
    const automation = await services.automations.requireRunnable(actor, automationId, "read the runs of");
    if (runId === undefined) return { result: await services.automationRuns.list(automation.id, limit), nextOffset: null };
    const run = await services.automationRuns.get(automation.id, runId);
    if (!run) throw notFound(`Run ${runId} not found for automation "${automation.name}"; call automations_logs without runId for its runs.`);
    return { result: [run], nextOffset: null };
  },
});
