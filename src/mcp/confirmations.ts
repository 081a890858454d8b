/**
 * Confirmation of destructive tools through input-required results (SEP-2322): a client that can
 * elicit gets `{resultType: "input_required", inputRequests: {confirm: elicitation/create}, requestState}`
 * first, and the tool runs only on the retry that carries the accepted answer and that same
 * state. The state is an HMAC (SECRET_KEY) over the principal, the tool, a digest of the arguments
 * and an expiry, so a retry cannot swap arguments, tools or callers, nor come back after 10 min.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { AnyTool } from "../tools/types.ts";
import { ErrorCode, RpcError } from "./jsonrpc.ts";
import { textResult, type CallToolResult } from "./tool-calls.ts";

/** How long a confirmation question may be answered. */
export const REQUEST_STATE_TTL_SECONDS = 10 * 60;
/** The key of the one input request a confirmation asks. */
export const CONFIRM_KEY = "confirm";
const STATE_VERSION = "v1";
const STATE_MAX_CHARS = 200;

/** What a request state is bound to. */
export interface StateBinding {
  principalKey: string;
  tool: string;
  arguments: unknown;
}

/** JSON with object keys sorted, so equal arguments digest equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The SHA-256 of a call's arguments (missing arguments digest as `{}`, as the tool reads them). */
export function argumentsDigest(args: unknown): string {
  return createHash("sha256")
    .update(canonicalJson(args ?? {}))
    .digest("base64url");
}

function mac(secretKey: string, binding: StateBinding, expiresAtSeconds: number): Buffer {
  // NUL-separated with a purpose label, so no other HMAC of SECRET_KEY (CSRF tokens) can be replayed as a state.
  return createHmac("sha256", secretKey)
    .update(`superset-request-state\0${STATE_VERSION}\0${binding.principalKey}\0${binding.tool}\0${argumentsDigest(binding.arguments)}\0${expiresAtSeconds}`)
    .digest();
}

/** A request state for `binding`, valid until `nowSeconds + REQUEST_STATE_TTL_SECONDS`. */
export function signRequestState(secretKey: string, binding: StateBinding, nowSeconds: number): string {
  const expiresAt = nowSeconds + REQUEST_STATE_TTL_SECONDS;
  return `${STATE_VERSION}.${expiresAt}.${mac(secretKey, binding, expiresAt).toString("base64url")}`;
}

/** True when `state` was signed by us for exactly `binding` and has not expired. */
export function isValidRequestState(secretKey: string, binding: StateBinding, state: unknown, nowSeconds: number): boolean {
  if (typeof state !== "string" || state.length > STATE_MAX_CHARS) return false;
  const match = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(state);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt <= nowSeconds || expiresAt > nowSeconds + REQUEST_STATE_TTL_SECONDS) return false;
  return timingSafeEqual(Buffer.from(match[2]!, "base64url"), mac(secretKey, binding, expiresAt));
}

/** True when the request's client capabilities allow a form elicitation (an empty `elicitation` object means form). */
export function canElicitForm(clientCapabilities: unknown): boolean {
  const elicitation = (clientCapabilities as { elicitation?: unknown } | undefined)?.elicitation;
  if (typeof elicitation !== "object" || elicitation === null) return false;
  const modes = Object.keys(elicitation);
  return modes.length === 0 || modes.includes("form");
}

/** The input-required result asking the user to confirm this call. */
export function confirmationRequired(question: string, requestState: string) {
  return {
    resultType: "input_required" as const,
    inputRequests: {
      [CONFIRM_KEY]: {
        method: "elicitation/create",
        params: {
          mode: "form",
          message: question,
          requestedSchema: {
            type: "object",
            properties: { confirm: { type: "boolean", title: "Go ahead", description: "Tick to carry this out; it cannot be undone.", default: false } },
            required: ["confirm"],
          },
        },
      },
    },
    requestState,
  };
}

export type InputRequiredResult = ReturnType<typeof confirmationRequired>;

export interface ConfirmationCheck {
  secretKey: string;
  principalKey: string;
  tool: AnyTool;
  /** The call's arguments as sent (validated ones; see confirmCall). */
  arguments: unknown;
  /** `params.inputResponses` and `params.requestState` of the request. */
  inputResponses: unknown;
  requestState: unknown;
  nowSeconds: number;
}

/** Run the tool, answer the user's refusal, or ask (again). */
export type ConfirmationOutcome = { kind: "confirmed" } | { kind: "declined"; result: CallToolResult } | { kind: "ask"; result: InputRequiredResult };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Decides a call of a tool that needs confirmation. A state that is changed, expired or another
 * caller's, and answers that are not objects, are -32602 (`sep-2322-reject-tampered-state`); a
 * first call, or a retry without the confirm answer, is asked (again) with a fresh state; answers
 * under other keys are ignored.
 */
export function checkConfirmation(check: ConfirmationCheck, question: string): ConfirmationOutcome {
  const binding: StateBinding = { principalKey: check.principalKey, tool: check.tool.name, arguments: check.arguments };
  const ask = (): ConfirmationOutcome => ({ kind: "ask", result: confirmationRequired(question, signRequestState(check.secretKey, binding, check.nowSeconds)) });
  if (check.inputResponses !== undefined && !isObject(check.inputResponses))
    throw new RpcError(ErrorCode.InvalidParams, "Invalid params: inputResponses must be an object of answers by input request key.");
  if (check.requestState === undefined) return ask();
  if (!isValidRequestState(check.secretKey, binding, check.requestState, check.nowSeconds)) {
    throw new RpcError(
      ErrorCode.InvalidParams,
      "Invalid params: requestState is not one this server issued for this call, or it expired; call the tool again without inputResponses and requestState to be asked anew.",
    );
  }
  const answer = check.inputResponses?.[CONFIRM_KEY];
  if (answer === undefined) return ask();
  if (!isObject(answer)) throw new RpcError(ErrorCode.InvalidParams, `Invalid params: inputResponses.${CONFIRM_KEY} must be an elicitation result ({action, content}).`);
  const accepted = answer.action === "accept" && isObject(answer.content) && answer.content.confirm === true;
  if (accepted) return { kind: "confirmed" };
  return { kind: "declined", result: textResult(`Nothing was done: the user did not confirm ${check.tool.name}.`, true) };
}
