/**
 * A tool is one value: name, description, valibot input and output schemas, annotations, the
 * scope it needs and its handler (docs/development.md#add-a-tool). Filters work on these fields.
 */
import type * as v from "valibot";
import type { ToolScope } from "../auth/scopes.ts";
import type { HostAccess } from "../hosts/access.ts";
import type { Progress } from "../hosts/command-options.ts";
import type { RuntimeInfo } from "../runtime-info.ts";
import type { Actor } from "../services/actor.ts";
import type { Services } from "../services/index.ts";

export interface ToolAnnotations {
  title?: string;
  readOnlyHint: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** What a handler may use: the services, the caller, the server's runtime facts and the id of this call (for logs). */
export interface ToolContext {
  services: Services;
  actor: Actor;
  /** The scopes of the caller's credential (part of every response-cache key). */
  scopes: readonly string[];
  runtime: RuntimeInfo;
  callId: string;
  hosts: HostAccess;
  /** Sends an MCP progress notification, when the caller asked for them (a `progressToken`). */
  progress?: Progress;
  /** Aborts when the caller went away (its HTTP request closed); work on a host is then stopped. */
  signal?: AbortSignal;
}

type AnySchema = v.GenericSchema<unknown, unknown>;

export interface Tool<I extends AnySchema = AnySchema, O extends AnySchema = AnySchema> {
  name: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** `mcp:read` for read-only tools, `mcp:write` for the rest (docs/tools.md#conventions). */
  scope: ToolScope;
  /** False for a read-only tool whose answer changes without any write (health, presence): never served from the response cache. */
  cacheable?: false;
  /**
   * For a destructive tool: the question a client that can elicit puts to its user before the
   * call is carried out (SEP-2322 input-required result); without elicitation the tool acts at once.
   */
  confirmation?: (args: v.InferOutput<I>) => string;
  /**
   * For long work on a host: the calls that answer as a task when the client declares the tasks
   * extension (SEP-2663), all of them when `when` is absent; a call done within `answerWithinMs`
   * answers at once instead.
   */
  task?: { when?: (args: v.InferOutput<I>) => boolean; answerWithinMs?: number };
  handler(args: v.InferOutput<I>, context: ToolContext): Promise<v.InferInput<O>>;
}

/** Builds a tool; its scope follows from `readOnlyHint`, so the two can never disagree. */
export function defineTool<I extends AnySchema, O extends AnySchema>(spec: Omit<Tool<I, O>, "scope">): Tool<I, O> {
  return { ...spec, scope: spec.annotations.readOnlyHint ? "mcp:read" : "mcp:write" };
}

// The registry holds tools of every input and output type side by side.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = Tool<any, any>;
