/**
 * prom-client (about 17 MB of resident memory and 100 ms to import) is loaded only when metrics
 * are on. Each case runs in a fresh process, since this test process may have loaded it already.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

/** Builds an app over createMetrics(config), answers one MCP request, and prints how many prom-client modules are loaded. */
async function promClientModulesLoaded(metricsEnabled: boolean): Promise<number> {
  const script = `
    import { createTestApp, initialize } from "./tests/helpers/app.ts";
    const t = await createTestApp({ MCP_METRICS_ENABLED: ${metricsEnabled} });
    await initialize(t.app);
    console.log(Object.keys(require.cache).filter((path) => path.includes("/node_modules/prom-client/")).length);
  `;
  const child = Bun.spawn([process.execPath, "-e", script], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [exitCode, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  expect(exitCode, stderr).toBe(0);
  return Number(stdout.trim().split("\n").at(-1));
}

test("metrics off: prom-client is never imported", async () => {
  expect(await promClientModulesLoaded(false)).toBe(0);
});

test("metrics on: it is (so the check above can see a load)", async () => {
  expect(await promClientModulesLoaded(true)).toBeGreaterThan(0);
});
