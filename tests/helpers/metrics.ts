/** Reading /metrics in tests: a scrape after the app's deferred answer hooks ran, and one sample's value. */
import type { App } from "../../src/server/app.ts";

/**
 * The exposition text of GET /metrics. Elysia runs after-response hooks (where HTTP answers are
 * counted) in a setImmediate callback; one turn of the event loop lets those of earlier requests run.
 */
export async function scrape(app: App, headers: Record<string, string> = {}): Promise<string> {
  await new Promise((resolve) => setImmediate(resolve));
  const response = await app.handle(new Request("http://127.0.0.1:5008/metrics", { headers }));
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${await response.text()}`);
  return response.text();
}

/** The value of the sample written exactly as `series` (`name{label="value",…}` in exposition order), or undefined. */
export function sampleValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Every value the label `label` takes in the samples of metric `name`. */
export function labelValues(text: string, name: string, label: string): string[] {
  const pattern = new RegExp(`^${name}\\{[^}]*\\b${label}="([^"]*)"`);
  const values = text.split("\n").flatMap((line) => pattern.exec(line)?.[1] ?? []);
  return [...new Set(values)];
}
