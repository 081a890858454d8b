/**
 * The wire between the server and a host agent (one WebSocket at /hosts/connect, JSON text
 * frames). Both sides validate every frame with these schemas, so a malformed or hostile frame
 * is refused by name instead of reaching a handler.
 *
 * Flow: the agent opens the socket with `Authorization: Bearer sk_host_…`, sends `hello` with its
 * inventory, and gets `welcome`. The server sends `command`s; the agent answers `ack`, optional
 * `progress`, then one `result`. Commands still unanswered when the socket drops are sent again
 * with the same id after the agent reconnects; the agent's journal makes a repeated id answer
 * with the first outcome instead of doing the work twice.
 *
 * Abort: the server sends `abort {id}` when the caller of a command went away (a closed stream, a
 * cancelled task). It has already failed the call and ignores anything the agent says about that
 * id afterwards; the agent stops the command if it can (kills its processes, removes what it
 * half made) and answers nothing more. An agent older than `abort` drops the frame as unknown and
 * finishes the command, so the server never waits for an answer to it.
 *
 * Automation runs: `run.start` prepares the workspace and launches the agent; when the agent ends,
 * the host sends a `run` report (sent again after every reconnect) until the server's `runAck`.
 */
import * as v from "valibot";

/** Seconds between heartbeats; a host silent for three of them is offline (docs/hosts-and-automations.md#hosts: 15 s, 45 s). */
export const HEARTBEAT_INTERVAL_SECONDS = 15;
export const PRESENCE_TIMEOUT_SECONDS = 45;
/** The one path the agent connects to. */
export const HOST_CONNECT_PATH = "/hosts/connect";
/** WebSocket close codes the server uses; the agent stops retrying on the permanent ones. */
export const CloseCode = {
  // RFC 6455 §7.4.1 "going away", e.g. a server going down: the agent reconnects with backoff, to this server's successor or another behind the same URL.
  goingAway: 1001,
  tokenRejected: 4001,
  hostIdMismatch: 4003,
  replaced: 4008,
  badFrame: 4400,
} as const;

const text = v.pipe(v.string(), v.maxLength(100_000));
const id = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const time = v.string();
const nullableText = v.nullable(text);

/** A machine id: 32 lowercase hex characters (docs/tools.md#conventions). */
export const hostIdSchema = v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex characters"));

export const hostProjectSchema = v.object({
  id,
  name: text,
  repoPath: text,
  repoUrl: nullableText,
  defaultBranch: text,
  createdAt: time,
  updatedAt: time,
});
export type HostProject = v.InferOutput<typeof hostProjectSchema>;

export const WORKSPACE_TYPES = ["main", "worktree", "session"] as const;
export const hostWorkspaceSchema = v.object({
  id,
  projectId: v.nullable(id),
  name: text,
  branch: text,
  type: v.picklist(WORKSPACE_TYPES),
  worktreePath: text,
  worktreeExists: v.boolean(),
  taskId: v.nullable(id),
  createdByUserId: v.nullable(id),
  createdAt: time,
  updatedAt: time,
});
export type HostWorkspace = v.InferOutput<typeof hostWorkspaceSchema>;

export const hostTerminalSchema = v.object({
  terminalId: id,
  workspaceId: id,
  label: text,
  title: text,
  createdAt: time,
  exited: v.boolean(),
  exitCode: v.nullable(v.number()),
});
export type HostTerminal = v.InferOutput<typeof hostTerminalSchema>;

export const inventorySchema = v.object({
  projects: v.array(hostProjectSchema),
  workspaces: v.array(hostWorkspaceSchema),
  terminals: v.array(hostTerminalSchema),
});
export type Inventory = v.InferOutput<typeof inventorySchema>;

/** An agent preset as the server resolved it (built-ins merged with AGENT_PRESETS), sent whole so the host needs no config. */
export const agentPresetSchema = v.object({
  id,
  label: text,
  command: text,
  args: v.array(text),
  promptTransport: v.picklist(["argv", "stdin"]),
  promptArgs: v.array(text),
  resumeArgs: v.array(text),
  env: v.record(v.string(), v.string()),
});
export type WirePreset = v.InferOutput<typeof agentPresetSchema>;

const agentRequest = v.object({ preset: agentPresetSchema, prompt: v.optional(text) });
const launchedAgent = v.object({ ok: v.boolean(), sessionId: v.optional(id), label: v.optional(text), error: v.optional(text) });
const terminalRef = { workspaceId: id, terminalId: id };

/**
 * Where an automation run works: a fresh worktree of a project, a pinned workspace (when it is
 * gone, a fresh worktree of `fallbackProjectId`, else a fresh session), or a fresh session. A new
 * workspace gets the id the server chose (`newWorkspaceId`), so a re-sent command makes the same one.
 */
export const runPlacementSchema = v.variant("mode", [
  v.object({ mode: v.literal("worktree"), projectId: id }),
  v.object({ mode: v.literal("pinned"), workspaceId: id, fallbackProjectId: v.nullable(id) }),
  v.object({ mode: v.literal("session") }),
]);
export type RunPlacement = v.InferOutput<typeof runPlacementSchema>;

/** A prompt of up to 100,000 characters plus the run header the server puts before it. */
const runPrompt = v.pipe(v.string(), v.minLength(1), v.maxLength(110_000));

const runStartParams = v.object({
  runId: id,
  automationId: id,
  placement: runPlacementSchema,
  newWorkspaceId: id,
  /** Name and branch of a new workspace (the branch is used for worktrees only). */
  workspaceName: text,
  branch: text,
  createdByUserId: id,
  preset: agentPresetSchema,
  prompt: runPrompt,
  /** The agent is stopped and the run reported `timed_out` after this long (RUN_TIMEOUT_SECONDS). */
  timeoutSeconds: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** Output kept for the report (RUN_OUTPUT_MAX_BYTES); the middle of longer output is dropped with a marker. */
  outputMaxBytes: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
/** The run's agent is running: in which workspace and terminal, since when, and a note when the pinned workspace was gone. */
const runStartResult = v.object({ workspace: hostWorkspaceSchema, terminalId: id, startedAt: time, note: v.nullable(text) });

/** How a run ended, as the host reports it once its agent has exited, been stopped or been lost. */
export const RUN_END_STATUSES = ["succeeded", "failed", "canceled", "timed_out"] as const;
export type RunEndStatus = (typeof RUN_END_STATUSES)[number];
/** Larger than any RUN_OUTPUT_MAX_BYTES a server would set, so a report is never refused for its size alone. */
const RUN_OUTPUT_SCHEMA_MAX = 64 * 1024 * 1024;
export const runReportSchema = v.object({
  runId: id,
  status: v.picklist(RUN_END_STATUSES),
  exitCode: v.nullable(v.number()),
  startedAt: time,
  finishedAt: time,
  durationMs: v.pipe(v.number(), v.minValue(0)),
  output: v.pipe(v.string(), v.maxLength(RUN_OUTPUT_SCHEMA_MAX)),
  /** Why it was canceled or timed out, in one sentence; null when the agent exited by itself. */
  error: nullableText,
});
export type RunReport = v.InferOutput<typeof runReportSchema>;

/** A server of a workspace's MCP config files (src/mcp-config), secrets already redacted by the host. */
const configuredServerSchema = v.object({
  name: text,
  transport: v.picklist(["local", "remote"]),
  target: text,
  state: v.picklist(["enabled", "disabled", "invalid"]),
  reason: nullableText,
  file: text,
  client: text,
  headers: v.record(v.string(), text),
  env: v.record(v.string(), text),
});
const mcpConfigResult = v.object({
  servers: v.pipe(v.array(configuredServerSchema), v.maxLength(5_000)),
  problems: v.pipe(v.array(v.object({ file: text, client: text, reason: text })), v.maxLength(100)),
});

/** Each command: the schema of its params and of its result. Ids of new rows are chosen by the server, so a re-run makes the same rows. */
export const COMMANDS = {
  inventory: { params: v.object({}), result: inventorySchema },
  "project.create": {
    params: v.object({
      projectId: id,
      name: v.optional(text),
      gitUrl: v.optional(text),
      localPath: v.optional(text),
      parentDir: v.optional(text),
      initIfNeeded: v.optional(v.boolean()),
    }),
    result: v.object({ project: hostProjectSchema, mainWorkspace: hostWorkspaceSchema, created: v.boolean() }),
  },
  "workspace.create": {
    params: v.object({
      workspaceId: id,
      projectId: v.optional(id),
      name: text,
      branch: v.optional(text),
      pr: v.optional(v.number()),
      baseBranch: v.optional(text),
      taskId: v.optional(id),
      createdByUserId: id,
      agents: v.optional(v.array(agentRequest)),
      command: v.optional(text),
    }),
    result: v.object({
      workspace: hostWorkspaceSchema,
      terminals: v.array(v.object({ terminalId: id, label: text })),
      agents: v.array(launchedAgent),
      alreadyExists: v.boolean(),
    }),
  },
  "workspace.update": { params: v.object({ id, name: text }), result: v.object({ workspace: hostWorkspaceSchema }) },
  "workspace.delete": {
    params: v.object({ id }),
    result: v.object({ success: v.boolean(), worktreeRemoved: v.boolean(), branchDeleted: v.literal(false), warnings: v.array(text) }),
  },
  /** Read-only: the MCP servers configured in the workspace's folder (.mcp.json, .cursor/mcp.json, .codex/config.toml…). */
  "workspace.mcpConfig": { params: v.object({ workspaceId: id }), result: mcpConfigResult },
  "agent.list": {
    params: v.object({ presets: v.array(agentPresetSchema) }),
    result: v.object({ agents: v.array(v.object({ ...agentPresetSchema.entries, available: v.boolean() })) }),
  },
  "agent.launch": {
    params: v.object({ workspaceId: id, preset: agentPresetSchema, prompt: v.optional(text), resumeSessionId: v.optional(id) }),
    result: v.object({ kind: v.literal("terminal"), sessionId: id, label: text }),
  },
  "terminal.create": {
    params: v.object({ workspaceId: id, command: v.optional(text), cwd: v.optional(text) }),
    result: v.object({ terminalId: id, status: v.literal("active") }),
  },
  "terminal.list": {
    params: v.object({ workspaceId: id }),
    result: v.object({
      sessions: v.array(v.object({ terminalId: id, workspaceId: id, createdAt: time, exited: v.boolean(), exitCode: v.nullable(v.number()), title: text })),
    }),
  },
  "terminal.send": {
    params: v.object({ ...terminalRef, text, submit: v.boolean() }),
    result: v.object({ terminalId: id, submitted: v.boolean() }),
  },
  "terminal.read": {
    params: v.object({ ...terminalRef, maxLines: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))) }),
    result: v.object({ terminalId: id, cols: v.number(), rows: v.number(), text: v.string() }),
  },
  "terminal.close": { params: v.object(terminalRef), result: v.object({ terminalId: id, status: v.literal("disposed") }) },
  "run.start": { params: runStartParams, result: runStartResult },
} as const;

export type CommandName = keyof typeof COMMANDS;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
export type CommandParams<N extends CommandName> = v.InferOutput<(typeof COMMANDS)[N]["params"]>;
export type CommandResult<N extends CommandName> = v.InferOutput<(typeof COMMANDS)[N]["result"]>;

/** Commands that only read: the agent runs them again on a repeated id instead of journaling them. */
export const READ_ONLY_COMMANDS: ReadonlySet<CommandName> = new Set(["inventory", "workspace.mcpConfig", "agent.list", "terminal.list", "terminal.read"]);

/** Why a command failed, as one sentence for the caller; `code` lets the server map it to a tool error. */
export const COMMAND_ERROR_CODES = ["not_found", "invalid", "conflict", "unavailable", "failed"] as const;
export type CommandErrorCode = (typeof COMMAND_ERROR_CODES)[number];
const commandError = v.object({ code: v.picklist(COMMAND_ERROR_CODES), message: text });

export const capabilitiesSchema = v.object({ git: v.boolean(), gh: v.boolean(), pty: v.boolean() });

/** Frames the agent sends. */
export const hostFrameSchema = v.variant("type", [
  v.object({
    type: v.literal("hello"),
    hostId: hostIdSchema,
    name: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
    platform: v.pipe(v.string(), v.maxLength(100)),
    agentVersion: v.pipe(v.string(), v.maxLength(100)),
    capabilities: capabilitiesSchema,
    inventory: inventorySchema,
  }),
  v.object({ type: v.literal("heartbeat") }),
  v.object({ type: v.literal("inventory"), inventory: inventorySchema }),
  v.object({ type: v.literal("ack"), id }),
  v.object({ type: v.literal("progress"), id, progress: v.number(), total: v.optional(v.number()), message: v.optional(text) }),
  v.object({ type: v.literal("result"), id, ok: v.literal(true), result: v.unknown() }),
  v.object({ type: v.literal("result"), id, ok: v.literal(false), error: commandError }),
  /** The end of an automation run; sent again after every welcome until the server answers `runAck`. */
  v.object({ type: v.literal("run"), report: runReportSchema }),
]);
export type HostFrame = v.InferOutput<typeof hostFrameSchema>;

/** Frames the server sends. */
export const serverFrameSchema = v.variant("type", [
  v.object({ type: v.literal("welcome"), hostId: hostIdSchema, organizationId: id, heartbeatSeconds: v.number() }),
  v.object({ type: v.literal("command"), id, name: v.picklist(COMMAND_NAMES), params: v.unknown() }),
  /** The server stored the report of this run: the agent may forget it. */
  v.object({ type: v.literal("runAck"), runId: id }),
  /** The caller of command `id` went away: stop it if it still runs; no answer is expected. */
  v.object({ type: v.literal("abort"), id }),
]);
export type ServerFrame = v.InferOutput<typeof serverFrameSchema>;

/** Parses one text frame; null when it is not JSON or not a frame of this protocol. */
export function parseFrame<S extends v.GenericSchema>(schema: S, raw: unknown): v.InferOutput<S> | null {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  const parsed = v.safeParse(schema, value);
  return parsed.success ? parsed.output : null;
}
