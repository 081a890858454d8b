/**
 * `subscriptions/listen` (SEP-2575): a modern client's one long-lived stream. Its first event
 * acknowledges the subset of the asked-for notifications this server honors; it and every later
 * event carry `_meta["io.modelcontextprotocol/subscriptionId"]` = the listen request's id. Tools
 * change only at a restart, so no list-changed type is honored; task ids are, with the tasks
 * extension, when the injected `ownsTask` says the caller owns them.
 *
 * A task changes on the replica that runs it, while the caller's listen stream may be held by
 * another: notifications travel over a Broadcast (Redis pub/sub with the store on), and every
 * replica delivers them to the streams it holds.
 */
import type { CallContext } from "./call-context.ts";
import { declaresExtension, META_SERVER_INFO, META_SUBSCRIPTION_ID, ModernError, ModernErrorCode, type ModernRequest } from "./envelope.ts";
import { RpcError, ErrorCode, type RequestId } from "./jsonrpc.ts";
import type { ModernStream } from "./modern-sse.ts";
import { SERVER_INFO } from "./discover.ts";
import { localBroadcast, type Broadcast } from "../store/broadcast.ts";
import { log } from "../log.ts";

export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
/** Task ids one listen request may name. */
export const MAX_LISTEN_TASK_IDS = 100;
const KNOWN_FILTERS = ["toolsListChanged", "promptsListChanged", "resourcesListChanged", "resourceSubscriptions", "taskIds"];

/** Whether `taskId` is a task of this caller; the tasks extension injects it. */
export type TaskOwnerCheck = (taskId: string, context: CallContext) => boolean | Promise<boolean>;

interface Listener {
  subscriptionId: RequestId;
  principalKey: string;
  taskIds: ReadonlySet<string>;
  stream: ModernStream;
}

type Notification = { method: string; params?: Record<string, unknown> };

/** A task notification as replicas tell it to each other. */
export interface TaskNotice {
  principalKey: string;
  taskId: string;
  notification: Notification;
}

/** The open listen streams of this process, fed by `notices` (this process alone unless given). */
export class ListenRegistry {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly notices: Broadcast<TaskNotice> = localBroadcast()) {
    notices.subscribe((notice) => this.deliverTask(notice));
  }

  /** Resolves once other replicas' notices reach this registry. */
  ready(): Promise<void> {
    return this.notices.whenSubscribed();
  }

  add(listener: Listener): void {
    this.listeners.add(listener);
    listener.stream.signal.addEventListener("abort", () => this.listeners.delete(listener), { once: true });
  }

  /** Tells every replica to send `notification` (e.g. notifications/tasks) to the streams of `principalKey` that named `taskId`; a failure is logged. */
  async notifyTask(principalKey: string, taskId: string, notification: Notification): Promise<void> {
    await this.notices
      .publish({ principalKey, taskId, notification })
      .catch((error: unknown) => log.warn("a task notification could not be told to the other replicas", { taskId, error: String(error) }));
  }

  /** Sends the notice to this process's streams of its principal that named its task, tagged with their subscription ids. */
  private deliverTask({ principalKey, taskId, notification }: TaskNotice): number {
    let sent = 0;
    for (const listener of this.listeners) {
      if (listener.principalKey !== principalKey || !listener.taskIds.has(taskId)) continue;
      listener.stream.send(tagged(listener.subscriptionId, notification));
      sent++;
    }
    return sent;
  }

  /** Shutdown: each stream gets its response `{resultType: "complete"}`, then ends. */
  endAll(): number {
    const ended = this.listeners.size;
    for (const listener of this.listeners) {
      listener.stream.send({
        jsonrpc: "2.0",
        id: listener.subscriptionId,
        result: { resultType: "complete", _meta: { [META_SUBSCRIPTION_ID]: listener.subscriptionId, [META_SERVER_INFO]: SERVER_INFO } },
      });
      listener.stream.end();
    }
    this.listeners.clear();
    return ended;
  }

  get size(): number {
    return this.listeners.size;
  }
}

function tagged(subscriptionId: RequestId, notification: Notification) {
  const params = notification.params ?? {};
  const meta = (params._meta ?? {}) as Record<string, unknown>;
  return { jsonrpc: "2.0", method: notification.method, params: { ...params, _meta: { ...meta, [META_SUBSCRIPTION_ID]: subscriptionId } } };
}

/** What a listen handler hands the transport: the stream to open and what to do on it. */
export class StreamAnswer {
  constructor(readonly start: (stream: ModernStream) => void) {}
}

function requestedTaskIds(notifications: Record<string, unknown>, modern: ModernRequest): string[] {
  const taskIds = notifications.taskIds;
  if (taskIds === undefined) return [];
  if (!Array.isArray(taskIds) || taskIds.length > MAX_LISTEN_TASK_IDS || !taskIds.every((id) => typeof id === "string" && id.length <= 256)) {
    throw new RpcError(ErrorCode.InvalidParams, `Invalid params: notifications.taskIds must be an array of at most ${MAX_LISTEN_TASK_IDS} task id strings.`);
  }
  if (!declaresExtension(modern, TASKS_EXTENSION)) {
    throw new ModernError(
      400,
      ModernErrorCode.MissingRequiredClientCapability,
      `Missing client capability: notifications.taskIds needs the ${TASKS_EXTENSION} extension in clientCapabilities.extensions.`,
      { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    );
  }
  return taskIds as string[];
}

/** The subscriptions/listen method over `registry`; `ownsTask` absent means no task id is honored. */
export function listenMethod(registry: ListenRegistry, ownsTask?: () => TaskOwnerCheck | undefined) {
  return async (params: Record<string, unknown>, context: CallContext & { modern: ModernRequest }) => {
    const notifications = params.notifications ?? {};
    if (typeof notifications !== "object" || notifications === null || Array.isArray(notifications)) throw new RpcError(ErrorCode.InvalidParams, "Invalid params: notifications must be an object.");
    const filters = notifications as Record<string, unknown>;
    const unknown = Object.keys(filters).filter((key) => !KNOWN_FILTERS.includes(key));
    if (unknown.length > 0) throw new RpcError(ErrorCode.InvalidParams, `Invalid params: unknown notification filter ${unknown.join(", ")} (known: ${KNOWN_FILTERS.join(", ")}).`);
    const asked = requestedTaskIds(filters, context.modern);
    const check = ownsTask?.();
    const honored: string[] = [];
    if (check) for (const id of new Set(asked)) if (await check(id, context)) honored.push(id);
    const subscriptionId = context.modern.id;
    return new StreamAnswer((stream) => {
      // Only the caller's own task ids are acknowledged; every other type asked for is omitted (never sent).
      stream.send(tagged(subscriptionId, { method: "notifications/subscriptions/acknowledged", params: { notifications: honored.length > 0 ? { taskIds: honored } : {} } }));
      registry.add({ subscriptionId, principalKey: context.principal.key, taskIds: new Set(honored), stream });
    });
  };
}
