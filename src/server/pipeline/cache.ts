/**
 * Step 7 of the MCP pipeline (docs/configuration.md#response-cache): a read-only tool's successful answer is
 * kept in the Store for `call_tool_ttl` seconds and given again, without running the tool, to the
 * same caller making the same call.
 *
 * The key holds the namespace `cache`, the method, the principal (user, organization, sorted scopes), the
 * organization's generation, the tool and a SHA-256 of the arguments with their keys sorted, so
 * one caller never sees another's answer and `{a, b}` and `{b, a}` share an entry. A tool that is
 * not read-only is never cached, nor one marked `cacheable: false` (health_check), nor one in
 * `excluded_tools`, nor an isError answer, nor one over `max_item_size` bytes.
 *
 * Writes: once any tool that is not read-only has run in an organization (whether it succeeded or
 * not), that organization gets a new generation, so every entry cached before is unreachable and a
 * read after the write runs the tool. The generation is a fresh random token, not a counter: a
 * counter restarts at 0 once its key expires or the bounded store evicts it, and would then lead
 * back to entries cached before a later write. Other writers (scheduler, hosts) call
 * `invalidateOrganization`.
 *
 * Only tools/call is cached. tools/list is built from descriptors computed once per tool, so
 * `list_tools_ttl` has nothing to save; this server serves no resources or prompts, so
 * `list_resources_ttl`, `list_prompts_ttl`, `read_resource_ttl` and `get_prompt_ttl` apply to nothing.
 */
import { sha256Hex } from "../../auth/digest.ts";
import type { ResolvedConfig } from "../../config/schema.ts";
import { log } from "../../log.ts";
import { resultFromSerialized, serializedToolResult, type CallToolResult, type ToolCall, type ToolCallLayer } from "../../mcp/tool-calls.ts";
import type { Store } from "../../store/types.ts";

/** MCP_CACHE_CONFIG as loaded (defaults merged). */
export type CacheConfig = ResolvedConfig["MCP_CACHE_CONFIG"];

/** The cache settings and the store that holds the entries and generations. */
export interface ResponseCacheOptions {
  config: CacheConfig;
  store: Store;
}

/** The namespace of the cache's keys; a Redis store puts CACHE_KEY_PREFIX before it, so each key is `<prefix>:cache:…`. */
const CACHE_NAMESPACE = "cache";
/** How long an organization's generation lives unchanged; longer than any sensible call_tool_ttl, so it seldom cuts an entry's life short. */
const GENERATION_TTL_SECONDS = 7 * 24 * 60 * 60;

const generationKey = (organizationId: string) => `${CACHE_NAMESPACE}:generation:${organizationId}`;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** JSON with every object's keys in sorted order, so that equal arguments give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (isPlainObject(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : inner)) ?? "null";
}

/** Makes every entry cached for `organizationId` unreachable. */
export async function invalidateOrganization(store: Store, organizationId: string): Promise<void> {
  await store.set(generationKey(organizationId), crypto.randomUUID(), GENERATION_TTL_SECONDS);
}

/** The organization's current generation, created when it has none (first use, expiry or eviction). */
async function currentGeneration(store: Store, organizationId: string): Promise<string> {
  const key = generationKey(organizationId);
  const existing = await store.get(key);
  if (existing !== null) return existing;
  const fresh = crypto.randomUUID();
  await store.set(key, fresh, GENERATION_TTL_SECONDS);
  return fresh;
}

/** The compact JSON a result is cached as, or undefined when it is not a plain success whose text is that JSON. */
function cacheableText(result: CallToolResult): string | undefined {
  if (result.isError || result.content.length !== 1) return undefined;
  const text = serializedToolResult(result) ?? JSON.stringify(result.structuredContent ?? null);
  return result.content[0]!.text === text ? text : undefined;
}

/** The response cache as a tool-call layer, the outermost one; `enabled: false` gives the handler back unchanged. */
export function responseCacheLayer({ config, store }: ResponseCacheOptions): ToolCallLayer {
  // A TTL of 0 seconds keeps nothing, and a store takes only positive TTLs.
  if (!config.enabled || config.call_tool_ttl === 0) return (next) => next;
  const excluded = new Set(config.excluded_tools);

  async function cacheKey({ tool, arguments: args, context }: ToolCall): Promise<string> {
    const { userId, organizationId } = context.actor;
    const scopes = encodeURIComponent([...context.scopes].sort().join(" "));
    const generation = await currentGeneration(store, organizationId);
    // The tool sees missing arguments as {} (callTool), so the key does too.
    return `${CACHE_NAMESPACE}:tools/call:${userId}:${organizationId}:${scopes}:${generation}:${tool.name}:${sha256Hex(canonicalJson(args ?? {}))}`;
  }

  return (next) =>
    async function cacheToolCall(call) {
      const { tool, context } = call;
      if (!tool.annotations.readOnlyHint) {
        try {
          return await next(call);
        } finally {
          await invalidateOrganization(store, context.actor.organizationId).catch((error: unknown) =>
            log.error("cache invalidation failed", { callId: context.callId, tool: tool.name, organization: context.actor.organizationSlug, error: String(error) }),
          );
        }
      }
      if (excluded.has(tool.name) || tool.cacheable === false) return next(call);

      let key: string;
      let cached: string | null;
      try {
        key = await cacheKey(call);
        cached = await store.get(key);
      } catch (error) {
        // A store that does not answer costs the cache, never the call.
        log.warn("cache unavailable", { callId: context.callId, tool: tool.name, error: String(error) });
        return next(call);
      }
      if (cached !== null) return resultFromSerialized(cached);

      const result = await next(call);
      const text = cacheableText(result);
      if (text !== undefined && Buffer.byteLength(text, "utf8") <= config.max_item_size) {
        await store.set(key, text, config.call_tool_ttl).catch((error: unknown) => log.warn("cache write failed", { callId: context.callId, tool: tool.name, error: String(error) }));
      }
      return result;
    };
}
