/**
 * The tasks scenarios' fixture tools (greet, slow_compute, failing_job, protocol_error_job,
 * confirm_delete) for the fixture server, and the product's tasks extension installed on its
 * modern dispatch: the tools are the suite's, the task records, runner and methods are ours.
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
  // Our tasks never ask for input, so the elicitation this tool would park for is not asked; it completes.
  confirm_delete: (args) => text(`Deleted ${String(args.filename ?? "the file")}.`),
};

/** The fixture tools that run as tasks with the extension; failing_job is registered as task-required. */
const TASK_TOOLS = new Set(["slow_compute", "failing_job", "protocol_error_job", "confirm_delete"]);
const TASK_REQUIRED = new Set(["failing_job"]);

/** Installs the tasks extension on the fixture server's dispatch (FixtureOptions.extend). */
export function extendWithTasks(dispatch: ModernDispatch, listeners: ListenRegistry): void {
  const tasks = createTasks(createMemoryStore({ maxEntries: 1000 }), { onChange: notifyTaskChange(listeners) });
  installTasks(dispatch, tasks, `fixture-${crypto.randomUUID()}`);
  // Outermost: the fixture tools are generic values, so their task behaviour is given here, as a field.
  dispatch.wrapToolCall((next) => (call, context) => {
    if (!TASK_TOOLS.has(call.tool.name)) return next(call, context);
    if (TASK_REQUIRED.has(call.tool.name) && !declaresTasksExtension(context.modern.clientCapabilities)) {
      throw new ModernError(400, MISSING_CAPABILITY_CODE, `Missing required client capability: ${call.tool.name} runs only as a task; declare ${TASKS_EXTENSION}.`, { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
    }
    return next({ ...call, tool: { ...call.tool, task: {} } }, context);
  });
}
