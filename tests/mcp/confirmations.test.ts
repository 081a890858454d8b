/** Confirmation of destructive tools: the request state binds caller, tool, arguments and expiry; answers decide. */
import { describe, expect, test } from "bun:test";
import { argumentsDigest, canElicitForm, checkConfirmation, isValidRequestState, REQUEST_STATE_TTL_SECONDS, signRequestState } from "../../src/mcp/confirmations.ts";
import { RpcError } from "../../src/mcp/jsonrpc.ts";
import { ALL_TOOLS } from "../../src/tools/index.ts";

const SECRET = "test-secret-key-of-some-length-0123456789";
const NOW = 1_800_000_000;
const tasksDelete = ALL_TOOLS.find((tool) => tool.name === "tasks_delete")!;
const binding = { principalKey: "user:alice", tool: "tasks_delete", arguments: { id: "0b4c5a62-8a8e-4a7e-9a39-4c3f0e5d1a10" } };

const check = (overrides: Partial<Parameters<typeof checkConfirmation>[0]> = {}) =>
  checkConfirmation(
    { secretKey: SECRET, principalKey: binding.principalKey, tool: tasksDelete, arguments: binding.arguments, inputResponses: undefined, requestState: undefined, nowSeconds: NOW, ...overrides },
    "Delete it?",
  );

function expectInvalidParams(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(-32602);
    return;
  }
  throw new Error("expected -32602");
}

describe("request state", () => {
  test("verifies for its own binding until it expires", () => {
    const state = signRequestState(SECRET, binding, NOW);
    expect(isValidRequestState(SECRET, binding, state, NOW)).toBe(true);
    expect(isValidRequestState(SECRET, binding, state, NOW + REQUEST_STATE_TTL_SECONDS - 1)).toBe(true);
    expect(isValidRequestState(SECRET, binding, state, NOW + REQUEST_STATE_TTL_SECONDS)).toBe(false);
  });

  test("fails for another caller, tool, arguments or key, and when changed", () => {
    const state = signRequestState(SECRET, binding, NOW);
    expect(isValidRequestState(SECRET, { ...binding, principalKey: "user:bob" }, state, NOW)).toBe(false);
    expect(isValidRequestState(SECRET, { ...binding, tool: "automations_delete" }, state, NOW)).toBe(false);
    expect(isValidRequestState(SECRET, { ...binding, arguments: { id: "f".repeat(8) } }, state, NOW)).toBe(false);
    expect(isValidRequestState("another-secret", binding, state, NOW)).toBe(false);
    const [version, expiry, mac] = state.split(".");
    for (const changed of [`${state}-TAMPERED`, `${version}.${Number(expiry) + 60}.${mac}`, `${version}.${expiry}.${mac!.slice(0, -1)}A`, "", 42, null]) {
      expect(isValidRequestState(SECRET, binding, changed, NOW)).toBe(false);
    }
  });

  test("an expiry beyond the 10 minutes we issue is refused even with a valid-looking form", () => {
    expect(isValidRequestState(SECRET, binding, signRequestState(SECRET, binding, NOW + 3600), NOW)).toBe(false);
  });

  test("argument digests ignore key order", () => {
    expect(argumentsDigest({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(argumentsDigest({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(argumentsDigest(undefined)).toBe(argumentsDigest({}));
    expect(argumentsDigest({ a: 1 })).not.toBe(argumentsDigest({ a: 2 }));
  });
});

describe("checkConfirmation", () => {
  test("a first call is asked with an elicitation form and a fresh state", () => {
    const outcome = check();
    if (outcome.kind !== "ask") throw new Error("expected a question");
    expect(outcome.result).toMatchObject({
      resultType: "input_required",
      inputRequests: { confirm: { method: "elicitation/create", params: { mode: "form", message: "Delete it?", requestedSchema: { type: "object", required: ["confirm"] } } } },
    });
    expect(isValidRequestState(SECRET, binding, outcome.result.requestState, NOW)).toBe(true);
  });

  test("an accepted answer with the state runs the tool; a declined or unticked one does nothing", () => {
    const requestState = signRequestState(SECRET, binding, NOW);
    expect(check({ requestState, inputResponses: { confirm: { action: "accept", content: { confirm: true } }, extra: 1 } })).toEqual({ kind: "confirmed" });
    for (const answer of [{ action: "decline" }, { action: "cancel" }, { action: "accept", content: { confirm: false } }]) {
      const outcome = check({ requestState, inputResponses: { confirm: answer } });
      expect(outcome.kind).toBe("declined");
      if (outcome.kind === "declined") expect(outcome.result).toEqual({ content: [{ type: "text", text: "Nothing was done: the user did not confirm tasks_delete." }], isError: true });
    }
  });

  test("a missing answer, or answers without a state, are asked again", () => {
    const requestState = signRequestState(SECRET, binding, NOW);
    expect(check({ requestState, inputResponses: { wrong_key: { action: "accept" } } }).kind).toBe("ask");
    expect(check({ requestState }).kind).toBe("ask");
    expect(check({ inputResponses: { confirm: { action: "accept", content: { confirm: true } } } }).kind).toBe("ask");
  });

  test("a tampered, expired or foreign state, and malformed answers, are -32602", () => {
    const requestState = signRequestState(SECRET, binding, NOW);
    const accepted = { confirm: { action: "accept", content: { confirm: true } } };
    expectInvalidParams(() => check({ requestState: `${requestState}-TAMPERED`, inputResponses: accepted }));
    expectInvalidParams(() => check({ requestState, inputResponses: accepted, nowSeconds: NOW + REQUEST_STATE_TTL_SECONDS }));
    expectInvalidParams(() => check({ requestState, inputResponses: accepted, principalKey: "user:bob" }));
    expectInvalidParams(() => check({ requestState, inputResponses: accepted, arguments: { id: "another" } }));
    expectInvalidParams(() => check({ requestState, inputResponses: null }));
    expectInvalidParams(() => check({ requestState, inputResponses: { confirm: 12345 } }));
  });
});

describe("canElicitForm", () => {
  test("an empty elicitation object or one with form; not url-only, not absent", () => {
    expect(canElicitForm({ elicitation: {} })).toBe(true);
    expect(canElicitForm({ elicitation: { form: {}, url: {} } })).toBe(true);
    expect(canElicitForm({ elicitation: { url: {} } })).toBe(false);
    expect(canElicitForm({ sampling: {} })).toBe(false);
    expect(canElicitForm(undefined)).toBe(false);
  });
});

describe("tools that ask for confirmation", () => {
  test("are exactly the destructive ones, each with a question naming its target", () => {
    const confirming = ALL_TOOLS.filter((tool) => tool.confirmation).map((tool) => tool.name);
    expect(confirming).toEqual(["tasks_delete", "automations_delete", "workspaces_delete", "terminals_close"]);
    for (const tool of ALL_TOOLS.filter((candidate) => candidate.confirmation)) {
      expect(tool.annotations.destructiveHint).toBe(true);
      expect(tool.confirmation!({ id: "ID-1", hostId: "HOST-1", workspaceId: "WS-1", terminalId: "T-1" })).toMatch(/\?/);
    }
    expect(ALL_TOOLS.filter((tool) => tool.annotations.destructiveHint && !tool.confirmation).map((tool) => tool.name)).toEqual([]);
  });
});
