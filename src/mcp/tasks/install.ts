/**
 * Plugs the tasks extension (SEP-2663) and destructive-tool confirmations (SEP-2322) into the
 * modern dispatch: the extension in server/discover, tasks/get|update|cancel, the task ids a
 * listen stream may name, notifications/tasks to those streams, and the tools/call hook that
 * confirms first and runs long host work as a task.
 */
import * as v from "valibot";
import { canElicitForm, checkConfirmation } from "../confirmations.ts";
import { ModernError } from "../envelope.ts";
import type { ListenRegistry } from "../listen.ts";
import type { ModernContext, ModernDispatch, ModernToolHook } from "../modern-dispatch.ts";
import { MISSING_CAPABILITY_CODE, TASK_METHODS, TASKS_EXTENSION, type TaskCaller, type Tasks } from "./methods.ts";
import { ErrorCode, RpcError } from "../jsonrpc.ts";
import { StoreError } from "../../store/types.ts";
import type { CallToolResult } from "../tool-calls.ts";
import { callAsTask, runsAsTask, type TaskCallRun } from "./task-call.ts";
import type { InputRequiredAnswer } from "./task-runner.ts";
import type { Task } from "./task-store.ts";

const callerOf = (context: ModernContext, tasks: Tasks): TaskCaller => ({ ownerKey: context.principal.key, clientCapabilities: context.modern.clientCapabilities, tasks });

/** notifications/tasks with the whole task, for the runner's onChange: only streams of its owner that named it get it. */
export function notifyTaskChange(listeners: ListenRegistry) {
  return (ownerKey: string, task: Task) => void listeners.notifyTask(ownerKey, task.taskId, { method: "notifications/tasks", params: { ...task } });
}

/** A destructive tool asks a client that can elicit first; the answer decides (confirmations.ts). */
export function confirmationHook(secretKey: string, nowMs: () => number = Date.now): ModernToolHook {
  return (next) => async (call, context) => {
    const { tool } = call;
    if (!tool.confirmation || !canElicitForm(context.modern.clientCapabilities)) return next(call, context);
    const parsed = v.safeParse(tool.input, call.arguments ?? {});
    // Arguments the tool refuses are refused by the tool itself: there is nothing to confirm.
    if (!parsed.success) return next(call, context);
    const outcome = checkConfirmation(
      {
        secretKey,
        principalKey: context.principal.key,
        tool,
        arguments: call.arguments,
        inputResponses: call.params.inputResponses,
        requestState: call.params.requestState,
        nowSeconds: Math.floor(nowMs() / 1000),
      },
      tool.confirmation(parsed.output),
    );
    return outcome.kind === "confirmed" ? next(call, context) : (outcome.result as unknown as Record<string, unknown>);
  };
}

/** The JSON-RPC error for a task operation the shared store could not serve (Redis down or silent). */
const storeUnavailable = (what: string, error: StoreError) =>
  new RpcError(ErrorCode.InternalError, `The task store is unavailable, so ${what} cannot be answered now (${error.message}); retry in a few seconds.`);

/** Long host work answers as a task when the request declares the extension (task-call.ts). */
export function taskHook(tasks: Tasks): ModernToolHook {
  return (next) => async (call, context) => {
    const toolCall = { tool: call.tool, arguments: call.arguments, context };
    if (!runsAsTask(toolCall, context.modern.clientCapabilities)) return next(call, context);
    // The task runs the call through the rest of the chain, with its own progress sink and signal;
    // a run after the task asked for input carries the answers as a retry's params would (SEP-2322).
    // Below this hook the chain answers a CallToolResult, or input_required from a hook asking.
    const run: TaskCallRun = async ({ context: { progress, signal } }, input) => {
      const params = input ? { ...call.params, inputResponses: input.inputResponses, requestState: input.requestState } : call.params;
      return (await next({ ...call, params }, { ...context, progress, signal })) as unknown as CallToolResult | InputRequiredAnswer;
    };
    try {
      return (await callAsTask(toolCall, run, callerOf(context, tasks), context.signal)) as Record<string, unknown>;
    } catch (error) {
      // No record, no task: nothing was started, so the client may simply call again.
      if (error instanceof StoreError) throw storeUnavailable(`tools/call ${call.tool.name} as a task`, error);
      throw error;
    }
  };
}

/** Adds tasks and confirmations to `dispatch`; `tasks` should tell its changes to notifyTaskChange(dispatch.listeners). */
export function installTasks(dispatch: ModernDispatch, tasks: Tasks, secretKey: string): void {
  dispatch.addExtension(TASKS_EXTENSION);
  for (const [name, method] of Object.entries(TASK_METHODS)) {
    dispatch.addMethod(name, async (params, context) => {
      try {
        return await method(params, callerOf(context, tasks));
      } catch (error) {
        // SEP-2575: a missing client capability is answered with HTTP 400.
        if (error instanceof RpcError && error.code === MISSING_CAPABILITY_CODE) throw new ModernError(400, error.code, error.message, error.data);
        // Task records live in the shared store; when it does not answer the client is told so and may retry.
        if (error instanceof StoreError) throw storeUnavailable(name, error);
        throw error;
      }
    });
  }
  dispatch.setTaskOwnerCheck(async (taskId, context) => (await tasks.store.get(context.principal.key, taskId)) !== null);
  // The confirmation is outermost: a task starts only once the call was confirmed.
  dispatch.wrapToolCall(taskHook(tasks));
  dispatch.wrapToolCall(confirmationHook(secretKey));
}
