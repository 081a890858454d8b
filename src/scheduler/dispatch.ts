/**
 * Sends a recorded run to its host (hosts-and-automations.md §Dispatch): picks the workspace by
 * the automation's mode, puts the run header before the prompt, asks the host to launch the
 * agent in a terminal (`run.start`) and records the answer: `running`, or the refusal as
 * `skipped_offline` / `dispatch_failed` with its sentence. How the run ends arrives later as the
 * host's run report (see ../hosts/hub.ts).
 */
import type { HostHub } from "../hosts/hub.ts";
import type { RunPlacement, WirePreset } from "../hosts/protocol.ts";
import { log } from "../log.ts";
import type { RunStatus, RunTrigger } from "../db/schema/values.ts";
import type { Actor } from "../services/actor.ts";
import type { AutomationWithPrompt } from "../services/automations.ts";
import { newId } from "../services/context.ts";
import { ServiceError } from "../services/errors.ts";
import type { HostRegistration } from "../services/hosts.ts";
import type { Services } from "../services/index.ts";
import { NO_METRICS, type Metrics } from "../metrics/index.ts";
import { createHostChooser } from "./host-choice.ts";
import { promptWithHeader, runWorkspaceNaming } from "./run-text.ts";

export interface DispatcherOptions {
  services: Services;
  hub: HostHub;
  presets: readonly WirePreset[];
  /** RUN_TIMEOUT_SECONDS and RUN_OUTPUT_MAX_BYTES, passed to the host with each run. */
  runTimeoutSeconds: number;
  outputMaxBytes: number;
  /** Counts the status each dispatch ends with. */
  metrics?: Pick<Metrics, "automationRun">;
}

/** A run recorded as `dispatching`, with what its header and workspace name need. */
export interface RunToDispatch {
  runId: string;
  automation: AutomationWithPrompt;
  host: HostRegistration;
  trigger: RunTrigger;
  scheduledFor: Date;
  coveredCount: number;
}

export function createRunDispatcher({ services, hub, presets, runTimeoutSeconds, outputMaxBytes, metrics = NO_METRICS }: DispatcherOptions) {
  const { automationRuns: runs } = services;

  async function placementOf(automation: AutomationWithPrompt): Promise<RunPlacement> {
    if (automation.v2WorkspaceId) {
      const recorded = await services.automationPlacement.workspaceHost(automation.organizationId, automation.v2WorkspaceId, { archived: true });
      return { mode: "pinned", workspaceId: automation.v2WorkspaceId, fallbackProjectId: automation.v2ProjectId ?? recorded?.projectId ?? null };
    }
    if (automation.v2ProjectId) return { mode: "worktree", projectId: automation.v2ProjectId };
    return { mode: "session" };
  }

  /** Launches a recorded run on its host and returns the status it ends the dispatch with. */
  async function dispatch(run: RunToDispatch): Promise<RunStatus> {
    const status = await launch(run);
    metrics.automationRun(status);
    return status;
  }

  async function launch(run: RunToDispatch): Promise<RunStatus> {
    const { automation, host } = run;
    const refuse = async (status: "skipped_offline" | "dispatch_failed", error: string) => {
      await runs.markRefused(run.runId, { status, error });
      return status;
    };
    const preset = presets.find((candidate) => candidate.id === automation.agent);
    if (!preset) return refuse("dispatch_failed", `Agent "${automation.agent}" is no longer a preset of this server; set another with automations_update (agents_list shows the presets).`);
    if (!(await hub.isOnline(host.registrationId))) return refuse("skipped_offline", hub.offlineSentence(host));
    const described = { automationName: automation.name, timeZone: automation.timezone, trigger: run.trigger, scheduledFor: run.scheduledFor, coveredCount: run.coveredCount };
    const naming = runWorkspaceNaming({ ...described, runId: run.runId });
    try {
      await runs.markDispatched(run.runId);
      const started = await hub.command(host, "run.start", {
        runId: run.runId,
        automationId: automation.id,
        placement: await placementOf(automation),
        newWorkspaceId: newId(),
        workspaceName: naming.name,
        branch: naming.branch,
        createdByUserId: automation.ownerUserId,
        preset,
        prompt: promptWithHeader({ ...described, automationId: automation.id, runId: run.runId }, automation.prompt),
        timeoutSeconds: runTimeoutSeconds,
        outputMaxBytes,
      });
      await runs.markRunning(run.runId, { workspaceId: started.workspace.id, terminalId: started.terminalId, startedAt: new Date(started.startedAt), note: started.note });
      return "running";
    } catch (error) {
      if (error instanceof ServiceError) return refuse("dispatch_failed", error.message);
      const callId = newId();
      log.error("automation run dispatch failed", { callId, runId: run.runId, error: error instanceof Error ? error.stack : String(error) });
      return refuse("dispatch_failed", `The server failed to dispatch this run (call id ${callId}); see its log.`);
    }
  }

  return {
    dispatch,

    /** automations_run: a run now, outside the schedule, which it leaves as it is. */
    async runNow(actor: Actor, automationId: string): Promise<{ automationId: string; runId: string; status: RunStatus }> {
      const automation = await services.automations.requireRunnable(actor, automationId, "run");
      const choice = await createHostChooser(services, hub).choose({
        organizationId: automation.organizationId,
        ownerUserId: automation.ownerUserId,
        targetHostId: automation.targetHostId,
        projectId: automation.v2ProjectId,
        workspaceId: automation.v2WorkspaceId,
      });
      const run = await runs.createManual(automation, choice.refusal, choice.host);
      if (choice.refusal) {
        metrics.automationRun(choice.refusal.status);
        return { automationId: automation.id, runId: run.id, status: choice.refusal.status };
      }
      const status = await dispatch({ runId: run.id, automation, host: choice.host, trigger: "manual", scheduledFor: new Date(run.scheduledFor), coveredCount: 1 });
      return { automationId: automation.id, runId: run.id, status };
    },
  };
}

export type RunDispatcher = ReturnType<typeof createRunDispatcher>;
