/**
 * The input-required scenarios' fixture tools (test_input_required_result_*) for the fixture
 * server: each asks for one or more rounds of client input (elicitation, sampling, roots) and
 * completes once every request of the last round is answered. Their request state is the
 * product's (confirmations.ts): an HMAC over principal, tool and round, arguments and expiry.
 */
import { isValidRequestState, signRequestState } from "../../src/mcp/confirmations.ts";
import { declaresCapability } from "../../src/mcp/envelope.ts";
import { ErrorCode, RpcError } from "../../src/mcp/jsonrpc.ts";
import type { ModernDispatch } from "../../src/mcp/modern-dispatch.ts";
import type { FixtureResult } from "./fixture-server.ts";

type InputRequest = { method: string; params: Record<string, unknown> };
type Round = Record<string, InputRequest>;

const ask = (message: string, property: string): InputRequest => ({
  method: "elicitation/create",
  params: { mode: "form", message, requestedSchema: { type: "object", properties: { [property]: { type: "string" } }, required: [property] } },
});
const sample = (text: string): InputRequest => ({ method: "sampling/createMessage", params: { messages: [{ role: "user", content: { type: "text", text } }], maxTokens: 50 } });
const ROOTS: InputRequest = { method: "roots/list", params: {} };
const CAPABILITY_OF: Record<string, string> = { "elicitation/create": "elicitation", "sampling/createMessage": "sampling", "roots/list": "roots" };

interface InputFixture {
  rounds: Round[];
  /** Completes only with a valid state (the request-state scenarios). */
  needsState?: boolean;
}

const FIXTURES: Record<string, InputFixture> = {
  test_input_required_result_elicitation: { rounds: [{ user_name: ask("What is your name?", "name") }] },
  test_input_required_result_sampling: { rounds: [{ capital_question: sample("What is the capital of France?") }] },
  test_input_required_result_list_roots: { rounds: [{ client_roots: ROOTS }] },
  test_input_required_result_request_state: { rounds: [{ confirm: ask("Continue?", "ok") }], needsState: true },
  test_input_required_result_tampered_state: { rounds: [{ confirm: ask("Continue?", "ok") }], needsState: true },
  test_input_required_result_multiple_inputs: { rounds: [{ user_name: ask("What is your name?", "name"), greeting: sample("Generate a greeting"), client_roots: ROOTS }], needsState: true },
  test_input_required_result_multi_round: { rounds: [{ step1: ask("Step 1: What is your name?", "name") }, { step2: ask("Step 2: What is your favorite color?", "color") }], needsState: true },
  test_input_required_result_capabilities: { rounds: [{ user_name: ask("What is your name?", "name"), greeting: sample("Generate a greeting"), client_roots: ROOTS }] },
};

/** Their complete results (reached only through the hook, once the input is in). */
export const INPUT_REQUIRED_FIXTURE_RESULTS: Record<string, FixtureResult> = Object.fromEntries(
  Object.keys(FIXTURES).map((name) => [name, () => ({ content: [{ type: "text", text: `${name}: input received, state-ok.` }] })]),
);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The one prompt of input-required-result-non-tool-request: input-required results are not for tools only. */
const PROMPT_NAME = "test_input_required_result_prompt";
const PROMPT_ROUND: Round = {
  user_context: {
    method: "elicitation/create",
    params: { message: "What context should the prompt use?", requestedSchema: { type: "object", properties: { context: { type: "string" } }, required: ["context"] } },
  },
};

/** prompts/get of the fixture prompt: asks for its context first, then answers a GetPromptResult using it. */
function fixturePromptsGet(params: Record<string, unknown>) {
  if (params.name !== PROMPT_NAME) throw new RpcError(ErrorCode.InvalidParams, `Invalid params: the only prompt is ${PROMPT_NAME}.`);
  const { inputResponses } = params;
  if (inputResponses !== undefined && !isObject(inputResponses)) throw new RpcError(ErrorCode.InvalidParams, "Invalid params: inputResponses must be an object.");
  const answer = inputResponses?.user_context;
  if (answer !== undefined && !isObject(answer)) throw new RpcError(ErrorCode.InvalidParams, "Invalid params: inputResponses.user_context must be an object.");
  if (!answer) return { resultType: "input_required", inputRequests: PROMPT_ROUND };
  const context = isObject(answer.content) ? String(answer.content.context ?? "") : "";
  return { description: "A prompt that needed input first.", messages: [{ role: "user", content: { type: "text", text: `Use this context: ${context.slice(0, 200)}` } }] };
}

/** Installs the input-required rounds of the fixture tools, and the fixture prompt, on the fixture server's dispatch (FixtureOptions.extend). */
export function extendWithInputRequired(dispatch: ModernDispatch): void {
  const secretKey = `fixture-${crypto.randomUUID()}`;
  dispatch.addMethod("prompts/get", fixturePromptsGet);
  dispatch.wrapToolCall((next) => async (call, context) => {
    const fixture = FIXTURES[call.tool.name];
    if (!fixture) return next(call, context);
    const nowSeconds = Math.floor(Date.now() / 1000);
    // The round is part of what the state is bound to, so a state names the round it was issued for.
    const binding = (round: number) => ({ principalKey: context.principal.key, tool: `${call.tool.name}#${round}`, arguments: call.arguments });
    const { inputResponses, requestState } = call.params;
    if (inputResponses !== undefined && !isObject(inputResponses)) throw new RpcError(ErrorCode.InvalidParams, "Invalid params: inputResponses must be an object.");
    let round = 0;
    if (requestState !== undefined) {
      round = fixture.rounds.findIndex((_round, index) => isValidRequestState(secretKey, binding(index), requestState, nowSeconds));
      if (round < 0) throw new RpcError(ErrorCode.InvalidParams, "Invalid params: requestState failed its integrity check or expired.");
    }
    const asked = (index: number) => Object.fromEntries(Object.entries(fixture.rounds[index]!).filter(([, request]) => declaresCapability(context.modern, CAPABILITY_OF[request.method]!)));
    const askRound = (index: number) => ({ resultType: "input_required", inputRequests: asked(index), requestState: signRequestState(secretKey, binding(index), nowSeconds) });
    const answers = inputResponses ?? {};
    const keys = Object.keys(asked(round));
    for (const key of keys) if (key in answers && !isObject(answers[key])) throw new RpcError(ErrorCode.InvalidParams, `Invalid params: inputResponses.${key} must be an object.`);
    if (keys.length === 0 || !keys.every((key) => key in answers)) return askRound(round);
    if (fixture.needsState && requestState === undefined) return askRound(round);
    if (round + 1 < fixture.rounds.length) return askRound(round + 1);
    return next(call, context);
  });
}
