/**
 * The tools/call side of the tasks extension: a call of a tool with a `task` field, from a
 * request that declared the extension, runs through the task runner and answers with the flat
 * creation result (SEP-2663), or as itself when it finished within the tool's window.
 */
import * as v from "valibot";
import type { ToolCall, CallToolResult } from "../tool-calls.ts";
import { declaresTasksExtension, type TaskCaller } from "./methods.ts";
import type { InputRequiredAnswer } from "./task-runner.ts";
import type { Task, TaskInput } from "./task-store.ts";

/** What tools/call answers when a task was made: the task itself, flat, without result, error or questions. */
export const taskCreatedResult = ({ result: _result, error: _error, inputRequests: _asked, ...task }: Task) => ({ resultType: "task" as const, ...task });

/** Runs the call inside its task; `input` is set on a run after the task asked for input. */
export type TaskCallRun = (call: ToolCall, input?: TaskInput) => Promise<CallToolResult | InputRequiredAnswer>;

/** True when this call answers as a task: the request declared the extension and the tool takes these arguments as one. */
export function runsAsTask(call: ToolCall, clientCapabilities: unknown): boolean {
  const task = call.tool.task;
  if (!task || !declaresTasksExtension(clientCapabilities)) return false;
  if (!task.when) return true;
  // Arguments the tool refuses run as usual, so the refusal is the tool's own result.
  const parsed = v.safeParse(call.tool.input, call.arguments ?? {});
  return parsed.success && task.when(parsed.output);
}

/**
 * Runs `call` as a task through `run` (the layered tool-call handler): its progress goes to the
 * task's statusMessage, never to the request, and its signal is the task's own. An
 * input_required answer of `run` parks the task until the client answers (task-runner.ts).
 */
export async function callAsTask(call: ToolCall, run: TaskCallRun, caller: TaskCaller, requestSignal?: AbortSignal): Promise<CallToolResult | ReturnType<typeof taskCreatedResult>> {
  const started = await caller.tasks.runner.start({
    ownerKey: caller.ownerKey,
    callId: call.context.callId,
    answerWithinMs: call.tool.task?.answerWithinMs,
    requestSignal,
    call: ({ progress, signal, input }) => run({ ...call, context: { ...call.context, progress, signal } }, input),
  });
  return "task" in started ? taskCreatedResult(started.task) : started.result;
}
