/**
 * Runs one tool call as a task (SEP-2663): the call gets an AbortController of its own, its
 * progress becomes the task's statusMessage, and its outcome the task's result. The controller
 * lives in this process, so tasks/cancel here aborts the host command at once; a cancel written
 * by another replica is noticed by the watch that reads the record every poll interval. A call
 * that answers input_required parks the task in that status with its questions; once every one
 * is answered (tasks/update, here or on another replica) the call runs again with the answers.
 */
import type { Progress } from "../../hosts/command-options.ts";
import { log } from "../../log.ts";
import { ErrorCode } from "../protocol.ts";
import type { CallToolResult } from "../tool-calls.ts";
import { isTerminalStatus, type Task, type TaskChange, type TaskInput, type TaskStore } from "./task-store.ts";

/** What the task gives the tool call in place of the request's progress sink and signal. */
export interface TaskCallExtras {
  progress: Progress;
  signal: AbortSignal;
  /** On a run after the task asked for input: the answers and the state it asked with. */
  input?: TaskInput;
}

/** A call's answer that it needs the client's input first (SEP-2322). */
export interface InputRequiredAnswer {
  resultType: "input_required";
  inputRequests: Record<string, unknown>;
  requestState?: string;
}

const isInputRequired = (result: CallToolResult | InputRequiredAnswer): result is InputRequiredAnswer =>
  (result as { resultType?: unknown }).resultType === "input_required" && typeof (result as InputRequiredAnswer).inputRequests === "object";

export interface TaskLaunch {
  ownerKey: string;
  /** Runs the tool call; never throws for a tool failure (that is a result with isError). */
  call(extras: TaskCallExtras): Promise<CallToolResult | InputRequiredAnswer>;
  /** When set, a call done within this many milliseconds answers at once and no task is made (`tasks-immediate-result-shortcut`). */
  answerWithinMs?: number;
  /** The request's own signal: it aborts the call only until the call became a task, which outlives the request. */
  requestSignal?: AbortSignal;
  /** For log lines. */
  callId: string;
}

/** A task was made (and stored), or the call finished in time and answers as itself. */
export type TaskStart = { task: Task } | { result: CallToolResult };

export interface TaskRunner {
  start(launch: TaskLaunch): Promise<TaskStart>;
  /** Takes the owner's answers to its input_required task (TaskStore.answer) and resumes the call when it runs here. */
  answer(ownerKey: string, taskId: unknown, inputResponses: Record<string, unknown>): Promise<Task | null>;
  /** Marks the owner's task cancelled and aborts its call when it runs here; null for an id that is not the owner's. */
  cancel(ownerKey: string, taskId: unknown): Promise<Task | null>;
  /** How many tasks run in this process. */
  runningCount(): number;
  /** The server stops: every task running here fails (no other process can finish it) and its host command is aborted. */
  stopAll(): Promise<void>;
}

/** The error of a task whose server stopped under it. */
const STOPPED = { code: ErrorCode.InternalError, message: "The server stopped before this task finished; call the tool again." };

/** The text of a host's progress report as a status message. */
export function statusMessageOf(progress: number, total?: number, message?: string): string {
  if (message) return message;
  return total ? `${Math.round((progress / total) * 100)}%` : String(progress);
}

export interface TaskRunnerOptions {
  /** How often a running task rereads its record to notice a cancel written by another replica. */
  watchIntervalMs?: number;
  /** Told each change this process writes to a task (for notifications/tasks to listen streams). */
  onChange?: (ownerKey: string, task: Task) => void;
}

export function createTaskRunner(tasks: TaskStore, { watchIntervalMs = 1000, onChange }: TaskRunnerOptions = {}): TaskRunner {
  const running = new Map<string, { controller: AbortController; stop(): Promise<void>; resume(): Promise<void> }>();

  async function start(launch: TaskLaunch): Promise<TaskStart> {
    const controller = new AbortController();
    const followRequest = () => controller.abort(launch.requestSignal?.reason);
    launch.requestSignal?.addEventListener("abort", followRequest, { once: true });
    if (launch.requestSignal?.aborted) controller.abort(launch.requestSignal.reason);

    let taskId: string | null = null;
    let latestMessage: string | undefined;
    let pendingMessage: string | undefined;
    // Every write of this task goes through one chain, so a status message read before the
    // completion can never be written after it.
    let writes: Promise<unknown> = Promise.resolve();
    const enqueue = (change: () => TaskChange | null) => {
      writes = writes
        .then(async () => {
          const next = change();
          if (!next || taskId === null) return;
          const task = await tasks.update(taskId, next);
          // A cancelled record is final and was announced by whoever cancelled it.
          if (task?.status === "cancelled") controller.abort();
          else if (task) onChange?.(launch.ownerKey, task);
        })
        .catch((error) => log.error("task update failed", { callId: launch.callId, taskId, error: String(error) }));
      return writes;
    };
    const progress: Progress = (value, total, message) => {
      latestMessage = statusMessageOf(value, total, message);
      if (taskId === null) return;
      // Reports coalesce: a slow store gets the newest message, not every one queued behind it.
      const queued = pendingMessage !== undefined;
      pendingMessage = latestMessage;
      if (!queued)
        void enqueue(() => {
          const statusMessage = pendingMessage;
          pendingMessage = undefined;
          return statusMessage === undefined ? null : { statusMessage };
        });
    };

    let markCreated!: () => void;
    const created = new Promise<void>((resolve) => (markCreated = resolve));
    // The parked call's wait for its answers; resume() settles it once every question is answered.
    let waiting: { resolve(input: TaskInput): void } | null = null;
    // On the task's write chain: a status message written meanwhile cannot undo the move back to
    // working, and the watch and a tasks/update resuming at once take the answers only once.
    const resume = () => {
      writes = writes
        .then(async () => {
          if (!waiting || taskId === null) return;
          const input = await tasks.takeInput(taskId);
          if (!input) return;
          const { resolve } = waiting;
          waiting = null;
          const task = await tasks.get(launch.ownerKey, taskId);
          if (task) onChange?.(launch.ownerKey, task);
          resolve(input);
        })
        .catch((error) => log.error("task resume failed", { callId: launch.callId, taskId, error: String(error) }));
      return writes as Promise<void>;
    };
    const park = async (asked: InputRequiredAnswer): Promise<TaskInput> => {
      // The questions belong to the task record, which exists only once the call became a task.
      await created;
      const answered = new Promise<TaskInput>((resolve, reject) => {
        waiting = { resolve };
        if (controller.signal.aborted) reject(controller.signal.reason);
        controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
      });
      // Observed below, after the write: a cancel meanwhile must not be an unhandled rejection.
      answered.catch(() => {});
      await enqueue(() => ({ status: "input_required", inputRequests: asked.inputRequests, inputResponses: {}, requestState: asked.requestState }));
      // An empty question list is answered at once.
      await resume();
      return answered;
    };
    const runToEnd = async (): Promise<CallToolResult> => {
      let input: TaskInput | undefined;
      for (;;) {
        const result = await launch.call(input ? { progress, signal: controller.signal, input } : { progress, signal: controller.signal });
        if (!isInputRequired(result)) return result;
        input = await park(result);
      }
    };

    const outcome = runToEnd().then(
      (result): TaskChange => ({ status: "completed", result }),
      (error): TaskChange => {
        // A cancelled or stopped task ends its wait this way; its record was written by whoever ended it.
        if (!controller.signal.aborted) log.error("task failed", { callId: launch.callId, error: error instanceof Error ? error.stack : String(error) });
        return { status: "failed", error: { code: ErrorCode.InternalError, message: `Internal error (call id ${launch.callId}).` } };
      },
    );

    if (launch.answerWithinMs !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), launch.answerWithinMs)));
      const early = await Promise.race([outcome, late]);
      clearTimeout(timer);
      if (early?.status === "completed") {
        launch.requestSignal?.removeEventListener("abort", followRequest);
        return { result: early.result! };
      }
      // A protocol failure within the window is still reported as a task, like one after it.
    }

    const task = await tasks.create(launch.ownerKey, latestMessage);
    taskId = task.taskId;
    markCreated();
    onChange?.(launch.ownerKey, task);
    launch.requestSignal?.removeEventListener("abort", followRequest);
    running.set(taskId, {
      controller,
      async stop() {
        // Through the task's own write chain, then the abort: the late "cancelled" result is not written over it.
        const failed = enqueue(() => ({ status: "failed", error: STOPPED }));
        controller.abort();
        await failed;
      },
      resume,
    });
    const watch = setInterval(async () => {
      const current = await tasks.get(launch.ownerKey, task.taskId).catch(() => task);
      if (!current || current.status === "cancelled") controller.abort();
      // Answers taken by another replica: the last one empties inputRequests.
      else if (current.status === "input_required" && Object.keys(current.inputRequests ?? {}).length === 0) await resume();
    }, watchIntervalMs);
    watch.unref?.();
    void outcome.then(async (change) => {
      clearInterval(watch);
      await enqueue(() => (controller.signal.aborted ? null : change));
      running.delete(task.taskId);
    });
    return { task };
  }

  async function cancel(ownerKey: string, taskId: unknown): Promise<Task | null> {
    const task = await tasks.get(ownerKey, taskId);
    if (!task) return null;
    if (isTerminalStatus(task.status)) return task;
    const updated = await tasks.update(task.taskId, { status: "cancelled", statusMessage: "Cancelled by the client." });
    running.get(task.taskId)?.controller.abort();
    if (updated) onChange?.(ownerKey, updated);
    return updated;
  }

  async function answer(ownerKey: string, taskId: unknown, inputResponses: Record<string, unknown>): Promise<Task | null> {
    const task = await tasks.answer(ownerKey, taskId, inputResponses);
    if (task?.status === "input_required") {
      onChange?.(ownerKey, task);
      await running.get(task.taskId)?.resume();
    }
    return task;
  }

  async function stopAll(): Promise<void> {
    await Promise.all([...running.values()].map((run) => run.stop()));
  }

  return { start, answer, cancel, runningCount: () => running.size, stopAll };
}
