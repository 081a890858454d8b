/**
 * Step 6 of the MCP pipeline (docs/configuration.md#response-size-guard): a tool's answer is measured in
 * estimated tokens before it leaves. Above `warn_threshold_pct` of `token_limit` it is logged;
 * above `token_limit` a list tool answers the longest prefix of its page that fits, marked
 * `truncated` with the `nextOffset` that continues it, and any other tool answers `isError` with
 * the estimate, the limit and how to ask for less with its own parameters.
 */
import type { ResolvedConfig } from "../../config/schema.ts";
import { log } from "../../log.ts";
import { describeTool, serializedToolResult, textResult, type CallToolResult, type ToolCall, type ToolCallLayer } from "../../mcp/tool-calls.ts";
import type { AnyTool } from "../../tools/types.ts";

export type SizeGuardConfig = ResolvedConfig["MCP_RESPONSE_SIZE_CONFIG"];

export interface SizeGuardOptions {
  config: SizeGuardConfig;
}

const BYTES_PER_TOKEN = 4;
const MAX_SUGGESTIONS = 5;
const TOKEN_LIMIT_KEY = "MCP_RESPONSE_SIZE_CONFIG.token_limit";

/** Estimated tokens of a text: its UTF-8 bytes ÷ 4, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / BYTES_PER_TOKEN);
}

type Arguments = Record<string, unknown>;
type ListPage = Record<string, unknown> & { result: unknown[]; nextOffset: unknown };

/** The input JSON Schema's properties: the parameters the tool actually has. */
const parametersOf = (tool: AnyTool) => (describeTool(tool).inputSchema.properties ?? {}) as Record<string, { default?: unknown }>;

/** The value the call used for `name`: the argument given, else the schema's default. */
function argumentOf(call: ToolCall, name: string): unknown {
  const given = (call.arguments as Arguments | null | undefined)?.[name];
  return given ?? parametersOf(call.tool)[name]?.default;
}

/** A page of a list tool (docs/tools.md#conventions) whose caller can continue it with `offset`. */
function isListPage(call: ToolCall, value: unknown): value is ListPage {
  if (typeof value !== "object" || value === null) return false;
  return Array.isArray((value as ListPage).result) && "nextOffset" in value && "offset" in parametersOf(call.tool);
}

/**
 * The longest prefix of the page whose answer fits in `tokenLimit`, with `truncated: true` and
 * the `nextOffset` that resumes right after it; null when not even the first item fits.
 */
function truncatedPage(call: ToolCall, page: ListPage, tokenLimit: number): CallToolResult | null {
  const requested = argumentOf(call, "offset");
  const offset = typeof requested === "number" ? requested : 0;
  // itemBytes[k]: the first k items and the commas between them, so no candidate is re-serialized.
  const itemBytes = [0];
  page.result.forEach((item, index) => itemBytes.push(itemBytes[index]! + Buffer.byteLength(JSON.stringify(item), "utf8") + (index > 0 ? 1 : 0)));
  const pageOf = (kept: number, items: unknown[]) => ({ ...page, result: items, nextOffset: offset + kept, truncated: true as const });
  const fits = (kept: number) => Math.ceil((Buffer.byteLength(JSON.stringify(pageOf(kept, [])), "utf8") + itemBytes[kept]!) / BYTES_PER_TOKEN) <= tokenLimit;

  // The whole page did not fit, so the answer keeps at most all but one item; fits() is monotone.
  let kept = 0;
  for (let low = 1, high = page.result.length - 1; low <= high;) {
    const middle = (low + high) >>> 1;
    if (fits(middle)) [kept, low] = [middle, middle + 1];
    else high = middle - 1;
  }
  return kept === 0 ? null : textResult(pageOf(kept, page.result.slice(0, kept)));
}

interface Overage {
  call: ToolCall;
  /** The structuredContent that was too large. */
  value: unknown;
  estimate: number;
  tokenLimit: number;
}

/** How many items the answer holds: the length of its longest top-level array, if it has one. */
function itemsReturned(value: unknown): number | undefined {
  const lengths = Object.values(value ?? {}).flatMap((field) => (Array.isArray(field) ? [field.length] : []));
  return lengths.length > 0 ? Math.max(...lengths) : undefined;
}

/**
 * A smaller value of a count parameter, scaled by how far over the limit the answer was; a
 * `limit` of 50 that returned 8 items is scaled from 8, since that is what was too large.
 */
function smallerCount(name: string, example: number, countsItems: boolean) {
  return ({ call, value, estimate, tokenLimit }: Overage): string | null => {
    const requested = argumentOf(call, name);
    if (typeof requested !== "number") return `pass ${name} (for example ${example})`;
    const current = countsItems ? Math.min(requested, itemsReturned(value) ?? requested) : requested;
    const smaller = Math.floor((current * tokenLimit) / estimate);
    return smaller >= 1 && smaller < requested ? `set ${name} to ${smaller}` : null;
  };
}

/** A filter worth suggesting only while the call does not use it yet. */
const unlessGiven =
  (name: string, suggestion: string) =>
  ({ call }: Overage) =>
    (call.arguments as Arguments | null | undefined)?.[name] == null ? suggestion : null;

/** Parameter name → how it makes an answer smaller, in the order they are offered. */
const SUGGESTIONS: Record<string, (overage: Overage) => string | null> = {
  limit: smallerCount("limit", 10, true),
  maxLines: smallerCount("maxLines", 100, false),
  offset: () => "read the rest in further calls with offset",
  search: ({ call }) => ((call.arguments as Arguments | null | undefined)?.search == null ? "narrow it with search" : "use a more specific search"),
  name: unlessGiven("name", "narrow it with name"),
  statusId: unlessGiven("statusId", "filter by statusId (see tasks_statuses_list)"),
  priority: unlessGiven("priority", "filter by priority"),
  assigneeId: unlessGiven("assigneeId", "filter by assigneeId (see organization_members_list)"),
  assigneeMe: unlessGiven("assigneeMe", "set assigneeMe to true for only your own"),
  creatorMe: unlessGiven("creatorMe", "set creatorMe to true for only what you created"),
  runId: unlessGiven("runId", "pass runId for one run"),
};

/** The isError sentence: the estimate, the limit and its key, and up to five changes drawn from the tool's own parameters. */
function tooLargeSentence(overage: Overage): string {
  const { call, estimate, tokenLimit } = overage;
  const name = call.tool.name;
  const parameters = parametersOf(call.tool);
  const suggestions = Object.entries(SUGGESTIONS)
    .filter(([parameter]) => parameter in parameters)
    .map(([, suggest]) => suggest(overage))
    .filter((suggestion): suggestion is string => suggestion !== null)
    .slice(0, MAX_SUGGESTIONS);
  const head = `The answer of ${name} is about ${estimate} tokens, over the limit of ${tokenLimit} tokens (${TOKEN_LIMIT_KEY})`;
  if (suggestions.length === 0) {
    return `${head}, and ${name} has no parameter that makes its answer smaller; ask the server operator to raise ${TOKEN_LIMIT_KEY} or to add ${name} to MCP_RESPONSE_SIZE_CONFIG.excluded_tools.`;
  }
  const listed = suggestions.length === 1 ? suggestions[0] : `${suggestions.slice(0, -1).join(", ")} or ${suggestions.at(-1)}`;
  return `${head}; to get a smaller answer, ${listed}.`;
}

/** The size guard as a tool-call layer; `enabled: false` gives the handler back unchanged. */
export function sizeGuardLayer({ config }: SizeGuardOptions): ToolCallLayer {
  if (!config.enabled) return (next) => next;
  const excluded = new Set(config.excluded_tools);
  const tokenLimit = config.token_limit;
  const warnAbove = (tokenLimit * config.warn_threshold_pct) / 100;

  return (next) =>
    async function guardResponseSize(call) {
      const result = await next(call);
      if (result.isError || excluded.has(call.tool.name)) return result;
      // A layer that built its own result may not carry the text; measure the same JSON then.
      const estimate = estimateTokens(serializedToolResult(result) ?? JSON.stringify(result.structuredContent ?? null));
      if (estimate <= warnAbove && estimate <= tokenLimit) return result;

      let answer = result;
      let outcome = "passed";
      if (estimate > tokenLimit) {
        const truncated = isListPage(call, result.structuredContent) ? truncatedPage(call, result.structuredContent, tokenLimit) : null;
        answer = truncated ?? textResult(tooLargeSentence({ call, value: result.structuredContent, estimate, tokenLimit }), true);
        outcome = truncated ? "truncated" : "refused";
      }
      const { actor } = call.context;
      log.warn("large tool response", {
        callId: call.context.callId,
        tool: call.tool.name,
        user: actor.username,
        organization: actor.organizationSlug,
        estimatedTokens: estimate,
        tokenLimit,
        outcome,
      });
      return answer;
    };
}
