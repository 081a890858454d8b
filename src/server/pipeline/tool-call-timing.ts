/**
 * The outermost tool-call layer when metrics are on: times each call and records its outcome.
 * A pipeline step beside the size guard and the cache, so src/metrics never imports the tool calls.
 */
import type { ToolCallLayer } from "../../mcp/tool-calls.ts";
import type { Metrics } from "../../metrics/index.ts";

export function toolCallTiming(metrics: Metrics): ToolCallLayer {
  return (next) => async (call) => {
    const started = performance.now();
    const result = await next(call);
    metrics.toolCall(call.tool.name, result.isError === true, (performance.now() - started) / 1000);
    return result;
  };
}
