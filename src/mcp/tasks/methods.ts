/**
 * tasks/get, tasks/update and tasks/cancel of the tasks extension (SEP-2663), for a request that
 * declared the extension: each one finds the caller's own task, and an id that is unknown,
 * expired or another principal's is the same -32602.
 */
import type { Store } from "../../store/types.ts";
import { ErrorCode, RpcError } from "../jsonrpc.ts";
import { createTaskRunner, type TaskRunner, type TaskRunnerOptions } from "./task-runner.ts";
import { createTaskStore, TASK_POLL_INTERVAL_MS, type Task, type TaskStore, type TaskStoreOptions } from "./task-store.ts";

export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
/** SEP-2575 MissingRequiredClientCapability; the modern transport answers it with HTTP 400. */
export const MISSING_CAPABILITY_CODE = -32021;

/** The records and the runs of tasks, one per server. */
export interface Tasks {
  store: TaskStore;
  runner: TaskRunner;
}

/** Tasks over the configured Store. */
export function createTasks(store: Store, options: Omit<TaskStoreOptions, "store"> & Pick<TaskRunnerOptions, "onChange"> = {}): Tasks {
  const { onChange, ...storeOptions } = options;
  const tasks = createTaskStore({ store, ...storeOptions });
  return { store: tasks, runner: createTaskRunner(tasks, { watchIntervalMs: options.pollIntervalMs ?? TASK_POLL_INTERVAL_MS, onChange }) };
}

/** Who asks, with what this request declared. */
export interface TaskCaller {
  ownerKey: string;
  clientCapabilities: unknown;
  tasks: Tasks;
}

/** True when this request's client capabilities name the tasks extension. */
export function declaresTasksExtension(clientCapabilities: unknown): boolean {
  const extensions = (clientCapabilities as { extensions?: unknown } | undefined)?.extensions;
  return typeof extensions === "object" && extensions !== null && TASKS_EXTENSION in extensions;
}

/** Throws -32021 naming the extension when the request did not declare it. */
export function requireTasksExtension(clientCapabilities: unknown): void {
  if (declaresTasksExtension(clientCapabilities)) return;
  throw new RpcError(
    MISSING_CAPABILITY_CODE,
    `Missing required client capability: declare the ${TASKS_EXTENSION} extension in _meta["io.modelcontextprotocol/clientCapabilities"].extensions to use tasks.`,
    {
      requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
    },
  );
}

function unknownTask(taskId: unknown): RpcError {
  const shown = typeof taskId === "string" ? JSON.stringify(taskId.slice(0, 64)) : "(missing)";
  return new RpcError(ErrorCode.InvalidParams, `Invalid params: no task ${shown} of yours exists; it may have expired. taskId must be the id a tools/call answered with.`);
}

async function ownTask(params: Record<string, unknown>, caller: TaskCaller): Promise<Task> {
  requireTasksExtension(caller.clientCapabilities);
  const task = await caller.tasks.store.get(caller.ownerKey, params.taskId);
  if (!task) throw unknownTask(params.taskId);
  return task;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

type TaskMethod = (params: Record<string, unknown>, caller: TaskCaller) => Promise<Record<string, unknown>>;

/** The three tasks methods; each result carries `resultType: "complete"`. */
export const TASK_METHODS: Record<"tasks/get" | "tasks/update" | "tasks/cancel", TaskMethod> = {
  "tasks/get": async (params, caller) => ({ resultType: "complete", ...(await ownTask(params, caller)) }),
  // Answers to pending questions are taken (others ignored) and the call resumes once all are in;
  // the ack is the same whatever the task's status, which the next tasks/get shows.
  "tasks/update": async (params, caller) => {
    const task = await ownTask(params, caller);
    const { inputResponses } = params;
    if (inputResponses !== undefined && !isObject(inputResponses)) throw new RpcError(ErrorCode.InvalidParams, "Invalid params: inputResponses must be an object of answers by input request key.");
    for (const [key, answer] of Object.entries(inputResponses ?? {})) {
      if (!isObject(answer)) throw new RpcError(ErrorCode.InvalidParams, `Invalid params: inputResponses.${key.slice(0, 64)} must be an object (the answer to that input request).`);
    }
    try {
      if (inputResponses) await caller.tasks.runner.answer(caller.ownerKey, task.taskId, inputResponses);
    } catch (error) {
      if (error instanceof RangeError) throw new RpcError(ErrorCode.InvalidParams, `Invalid params: ${error.message}.`);
      throw error;
    }
    return { resultType: "complete" };
  },
  // Cooperative and idempotent: a finished task stays as it is, and the ack is the same.
  "tasks/cancel": async (params, caller) => {
    const task = await ownTask(params, caller);
    await caller.tasks.runner.cancel(caller.ownerKey, task.taskId);
    return { resultType: "complete" };
  },
};
