/** The configuration as safe-to-print JSON (`superset config check`, start-up debug logs). */
import { redactUrl } from "./errors.ts";
import type { ResolvedConfig } from "./schema.ts";

const REDACTED = "[redacted]";

/**
 * A plain JSON-able copy with secrets replaced by "[redacted]": MCP_JWT_SECRET, SECRET_KEY, MCP_METRICS_TOKEN, the
 * passwords inside DATABASE_URL and CACHE_REDIS_URL (the rest of the URL kept, it helps debugging),
 * and agent preset `env` values, which commonly carry API keys. MCP_AUTH_FACTORY shows as "[function]".
 */
export function redactConfig(config: ResolvedConfig): Record<string, unknown> {
  const { MCP_AUTH_FACTORY, ...rest } = config;
  const copy = structuredClone(rest) as Omit<ResolvedConfig, "MCP_AUTH_FACTORY">;
  if (copy.MCP_JWT_SECRET) copy.MCP_JWT_SECRET = REDACTED;
  if (copy.SECRET_KEY) copy.SECRET_KEY = REDACTED;
  if (copy.MCP_METRICS_TOKEN) copy.MCP_METRICS_TOKEN = REDACTED;
  copy.DATABASE_URL = redactUrl(copy.DATABASE_URL);
  const redisUrl = copy.MCP_STORE_CONFIG.CACHE_REDIS_URL;
  if (redisUrl) copy.MCP_STORE_CONFIG.CACHE_REDIS_URL = redactUrl(redisUrl);
  for (const preset of Object.values(copy.AGENT_PRESETS)) {
    for (const name of Object.keys(preset.env)) preset.env[name] = REDACTED;
  }
  return { ...copy, MCP_AUTH_FACTORY: MCP_AUTH_FACTORY ? "[function]" : null };
}
