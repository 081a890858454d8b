/**
 * What a modern (2026-07-28) tools/call adds before the tool runs: a destructive tool is
 * confirmed first when the request can elicit (SEP-2322), and long host work answers as a task
 * when the request declares the tasks extension (SEP-2663). Anything else runs as on 2025.
 */
import * as v from "valibot";
import type { CallContext } from "./call-context.ts";
import { canElicitForm, checkConfirmation } from "./confirmations.ts";
import { callAsTask, runsAsTask } from "./tasks/task-call.ts";
import type { ToolCall } from "./tool-calls.ts";

/** The parts of a modern request this step reads. */
export interface ModernCallRequest {
  /** `_meta["io.modelcontextprotocol/clientCapabilities"]`: this request's only capabilities. */
  clientCapabilities: unknown;
  /** `params.inputResponses` and `params.requestState` of a retry. */
  inputResponses?: unknown;
  requestState?: unknown;
}

/** Answers one modern tools/call of a tool the caller may use: an input-required result, a created task, or the tool's result. */
export async function answerModernToolCall(call: ToolCall, context: CallContext, request: ModernCallRequest): Promise<unknown> {
  const { tool } = call;
  if (tool.confirmation && canElicitForm(request.clientCapabilities)) {
    const parsed = v.safeParse(tool.input, call.arguments ?? {});
    // Arguments the tool refuses are refused by the tool itself: there is nothing to confirm.
    if (parsed.success) {
      const outcome = checkConfirmation(
        { secretKey: context.secretKey, principalKey: context.principal.key, tool, arguments: call.arguments, inputResponses: request.inputResponses, requestState: request.requestState, nowSeconds: Math.floor(Date.now() / 1000) },
        tool.confirmation(parsed.output),
      );
      if (outcome.kind !== "confirmed") return outcome.result;
    }
  }
  if (runsAsTask(call, request.clientCapabilities)) {
    return callAsTask(call, context.runTool, { ownerKey: context.principal.key, clientCapabilities: request.clientCapabilities, tasks: context.tasks }, context.signal);
  }
  return context.runTool(call);
}
