/**
 * Task records of the tasks extension (SEP-2663) over the shared Store: `task:<id>` holds the
 * task as JSON with its owner's principal key, expiring `ttlMs` after its creation. The record is
 * what every replica reads; only the process that created a task runs it. A task whose call asks
 * for input (SEP-2322) keeps its questions in `inputRequests`, and privately the answers given so
 * far and the call's requestState, so any replica may take an answer and the running one resumes.
 */
import type { Store } from "../../store/types.ts";
import type { CallToolResult } from "../tool-calls.ts";

export type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/** A status a task never leaves. */
export const isTerminalStatus = (status: TaskStatus) => status === "completed" || status === "failed" || status === "cancelled";

/** A task as the wire shows it (SEP-2663 field names), without its owner. */
export interface Task {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs: number;
  /** The CallToolResult of a completed task (a tool failure with isError included). */
  result?: CallToolResult;
  /** The JSON-RPC error of a failed task: protocol-level failures only. */
  error?: { code: number; message: string; data?: unknown };
  /** The questions of an input_required task still unanswered, by key. */
  inputRequests?: Record<string, unknown>;
}

/** What a parked call is resumed with: every answer of its round and the state it asked with. */
export interface TaskInput {
  inputResponses: Record<string, unknown>;
  requestState?: string;
}

interface StoredTask extends Task {
  ownerKey: string;
  /** Answers taken so far for the current round; never shown (tasks/get carries no requestState either). */
  inputResponses?: Record<string, unknown>;
  requestState?: string;
}

/** What may change on a task after its creation. */
export type TaskChange = Partial<Pick<StoredTask, "status" | "statusMessage" | "result" | "error" | "inputRequests" | "inputResponses" | "requestState">>;

/** Bound on the answers a task keeps, so a record stays small. */
export const TASK_ANSWERS_MAX_CHARS = 256 * 1024;

/** 24 hours: a client may come back for a result the next working day. */
export const TASK_TTL_MS = 24 * 60 * 60 * 1000;
/** How often a client is asked to poll tasks/get. */
export const TASK_POLL_INTERVAL_MS = 1000;
/** Bound on a status message (a host's progress line), so a record stays small. */
const STATUS_MESSAGE_MAX_CHARS = 500;
const KEY_PREFIX = "task:";
// A task id is the UUID we minted; anything else cannot name a record and is not looked up.
const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface TaskStoreOptions {
  store: Store;
  ttlMs?: number;
  pollIntervalMs?: number;
  /** The clock in milliseconds; tests pass their own. */
  now?: () => number;
}

export interface TaskStore {
  /** Stores a new working task of `ownerKey` and returns it once it is stored. */
  create(ownerKey: string, statusMessage?: string): Promise<Task>;
  /** The task `taskId` if it exists and belongs to `ownerKey`; null for unknown, expired and foreign ids alike. */
  get(ownerKey: string, taskId: unknown): Promise<Task | null>;
  /**
   * Applies `change` to a task that is not finished yet and returns it; returns the record as it
   * is, unchanged, once it is finished (a late completion never overwrites a cancellation), and
   * null when it is gone.
   */
  update(taskId: string, change: TaskChange): Promise<Task | null>;
  /**
   * Takes the owner's answers to an input_required task: those under a pending key are kept and
   * that key leaves `inputRequests`, others are ignored. Null for an id that is not the owner's;
   * a task in another status is returned unchanged. Throws RangeError when the answers kept
   * would pass TASK_ANSWERS_MAX_CHARS.
   */
  answer(ownerKey: string, taskId: unknown, inputResponses: Record<string, unknown>): Promise<Task | null>;
  /** Once every question is answered: moves the task back to working and returns what its call resumes with; else null. */
  takeInput(taskId: string): Promise<TaskInput | null>;
}

const toTask = ({ ownerKey: _owner, inputResponses: _answers, requestState: _state, ...task }: StoredTask): Task => task;

/** A TaskStore over `store`; every write keeps the expiry `ttlMs` after creation. */
export function createTaskStore({ store, ttlMs = TASK_TTL_MS, pollIntervalMs = TASK_POLL_INTERVAL_MS, now = Date.now }: TaskStoreOptions): TaskStore {
  async function read(taskId: string): Promise<StoredTask | null> {
    const json = await store.get(KEY_PREFIX + taskId);
    return json === null ? null : (JSON.parse(json) as StoredTask);
  }

  async function write(task: StoredTask): Promise<void> {
    // The Store counts whole seconds; rounding up keeps a task at least its ttlMs (SEP-2663: never expire before it).
    const remainingSeconds = Math.ceil((Date.parse(task.createdAt) + task.ttlMs - now()) / 1000);
    if (remainingSeconds > 0) await store.set(KEY_PREFIX + task.taskId, JSON.stringify(task), remainingSeconds);
  }

  const bounded = (message: string | undefined) => (message === undefined ? undefined : message.slice(0, STATUS_MESSAGE_MAX_CHARS));

  return {
    async create(ownerKey, statusMessage) {
      const at = new Date(now()).toISOString();
      const task: StoredTask = { ownerKey, taskId: crypto.randomUUID(), status: "working", createdAt: at, lastUpdatedAt: at, ttlMs, pollIntervalMs };
      if (statusMessage !== undefined) task.statusMessage = bounded(statusMessage);
      await write(task);
      return toTask(task);
    },
    async get(ownerKey, taskId) {
      if (typeof taskId !== "string" || !TASK_ID.test(taskId)) return null;
      const task = await read(taskId);
      return task && task.ownerKey === ownerKey ? toTask(task) : null;
    },
    async update(taskId, change) {
      const task = await read(taskId);
      if (!task) return null;
      if (isTerminalStatus(task.status)) return toTask(task);
      const updated: StoredTask = { ...task, ...change, lastUpdatedAt: new Date(now()).toISOString() };
      if (change.statusMessage !== undefined) updated.statusMessage = bounded(change.statusMessage);
      await write(updated);
      return toTask(updated);
    },
    async answer(ownerKey, taskId, inputResponses) {
      if (typeof taskId !== "string" || !TASK_ID.test(taskId)) return null;
      const task = await read(taskId);
      if (!task || task.ownerKey !== ownerKey) return null;
      if (task.status !== "input_required" || !task.inputRequests) return toTask(task);
      const pending = { ...task.inputRequests };
      const answers = { ...task.inputResponses };
      for (const [key, response] of Object.entries(inputResponses)) {
        if (!Object.hasOwn(pending, key)) continue;
        answers[key] = response;
        delete pending[key];
      }
      if (JSON.stringify(answers).length > TASK_ANSWERS_MAX_CHARS) throw new RangeError(`the answers to a task may take at most ${TASK_ANSWERS_MAX_CHARS} characters of JSON`);
      const updated: StoredTask = { ...task, inputRequests: pending, inputResponses: answers, lastUpdatedAt: new Date(now()).toISOString() };
      await write(updated);
      return toTask(updated);
    },
    async takeInput(taskId) {
      const task = await read(taskId);
      if (!task || task.status !== "input_required" || Object.keys(task.inputRequests ?? {}).length > 0) return null;
      const { inputRequests: _asked, inputResponses = {}, requestState, ...rest } = task;
      await write({ ...rest, status: "working", lastUpdatedAt: new Date(now()).toISOString() });
      return requestState === undefined ? { inputResponses } : { inputResponses, requestState };
    },
  };
}
