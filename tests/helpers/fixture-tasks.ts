/**
 * The tasks scenarios' fixture tools (greet, slow_compute, failing_job, protocol_error_job,
 * confirm_delete, multi_input, test_tool_with_task) for the fixture server, and the product's
 * tasks extension installed on its modern dispatch: the tools are the suite's, the task records,
 * runner and methods are ours. confirm_delete and multi_input ask for input inside their task
 * (tasks-mrtr-input); test_tool_with_task asks before its task is made (tasks-mrtr-composition).
 */
import { ModernError } from "../../src/mcp/envelope.ts";
import type { ListenRegistry } from "../../src/mcp/listen.ts";
import type { ModernDispatch } from "../../src/mcp/modern-dispatch.ts";
import { installTasks, notifyTaskChange } from "../../src/mcp/tasks/install.ts";
import { createTasks, declaresTasksExtension, MISSING_CAPABILITY_CODE, TASKS_EXTENSION } from "../../src/mcp/tasks/methods.ts";
import { createMemoryStore } from "../../src/store/memory.ts";
import type { FixtureResult } from "./fixture-server.ts";

const text = (value: string) => ({ content: [{ type: "text", text: value }] });

/** Waits `ms`, or less when `signal` aborts (a cancelled task stops its work). */
function workFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/** What each fixture tool answers, as the scenario descriptions say. */
export const TASK_FIXTURE_RESULTS: Record<string, FixtureResult> = {
  greet: (args) => text(`Hello, ${String(args.name ?? "World")}!`),
  slow_compute: async (args, context) => {
    const seconds = Math.min(Math.max(Number(args.seconds ?? 0) || 0, 0), 120);
    await workFor(seconds * 1000, context.signal);
    return text(`Computed ${String(args.label ?? "result")} after ${seconds} s.`);
  },
  failing_job: async (_args, context) => {
    await workFor(1000, context.signal);
    return { ...text("The job failed: the fixture always fails."), isError: true };
  },
  protocol_error_job: () => {
    throw new Error("protocol_error_job: an internal fault, by design");
  },
  // Reached once the question below was answered (the hook passes only accepted answers on).
  confirm_delete: (args) => text(`Deleted ${String(args.filename ?? "the file")}.`),
  multi_input: () => text("Both inputs received."),
  test_tool_with_task: (args) => text(`Hello, ${String(args.user_name ?? "nobody")}, from a task.`),
};

/** The fixture tools that run as tasks with the extension; failing_job and test_tool_with_task are registered as task-required. */
const TASK_TOOLS = new Set(["slow_compute", "failing_job", "protocol_error_job", "confirm_delete", "multi_input", "test_tool_with_task"]);
const TASK_REQUIRED = new Set(["failing_job", "test_tool_with_task"]);

const elicit = (message: string, property: string) => ({
  method: "elicitation/create",
  params: { mode: "form", message, requestedSchema: { type: "object", properties: { [property]: { type: "string" } }, required: [property] } },
});
/** The questions a tool asks inside its task, by key: confirm_delete one, multi_input two at once. */
const TASK_QUESTIONS: Record<string, Record<string, ReturnType<typeof elicit>>> = {
  confirm_delete: { confirm: elicit("Delete the file?", "confirm") },
  multi_input: { first: elicit("First input?", "name"), second: elicit("Second input?", "name") },
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const answered = (params: Record<string, unknown>, key: string) => isObject(params.inputResponses) && isObject(params.inputResponses[key]);

/** Installs the tasks extension on the fixture server's dispatch (FixtureOptions.extend). */
export function extendWithTasks(dispatch: ModernDispatch, listeners: ListenRegistry): void {
  const tasks = createTasks(createMemoryStore({ maxEntries: 1000 }), { onChange: notifyTaskChange(listeners) });
  // Inside the task: the call asks until every question of its tool has an answer, which a run resumed by tasks/update carries.
  dispatch.wrapToolCall((next) => async (call, context) => {
    const questions = TASK_QUESTIONS[call.tool.name];
    if (!questions || Object.keys(questions).every((key) => answered(call.params, key))) return next(call, context);
    return { resultType: "input_required", inputRequests: questions };
  });
  installTasks(dispatch, tasks, `fixture-${crypto.randomUUID()}`);
  // Before the task: test_tool_with_task gathers user_name by an input-required round, then its task uses it.
  dispatch.wrapToolCall((next) => async (call, context) => {
    if (call.tool.name !== "test_tool_with_task") return next(call, context);
    const answer = isObject(call.params.inputResponses) ? call.params.inputResponses.user_name : undefined;
    if (!isObject(answer) || !isObject(answer.content) || typeof answer.content.name !== "string")
      return { resultType: "input_required", inputRequests: { user_name: elicit("What is your name?", "name") } };
    return next({ ...call, arguments: { ...(isObject(call.arguments) ? call.arguments : {}), user_name: answer.content.name.slice(0, 100) } }, context);
  });
  // Outermost: the fixture tools are generic values, so their task behaviour is given here, as a field.
  dispatch.wrapToolCall((next) => (call, context) => {
    if (!TASK_TOOLS.has(call.tool.name)) return next(call, context);
    if (TASK_REQUIRED.has(call.tool.name) && !declaresTasksExtension(context.modern.clientCapabilities)) {
      throw new ModernError(400, MISSING_CAPABILITY_CODE, `Missing required client capability: ${call.tool.name} runs only as a task; declare ${TASKS_EXTENSION}.`, {
        requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
      });
    }
    return next({ ...call, tool: { ...call.tool, task: {} } }, context);
  });
}
