/**
 * What a tool carried out on a host costs over one answered by the server alone: the same server
 * (in this process, listening on loopback) with one host agent connected over a real WebSocket,
 * and sequential tool calls through the whole MCP pipeline. The reference, measured in the same
 * run, is `tasks_statuses_list` (a database read); the host tools add the hop to the agent and
 * back. Run: `bun scripts/bench/hosts.ts` (CALLS=2000 by default).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHostAgent } from "../../src/agent/run.ts";
import { defaultConfig } from "../../src/config/defaults.ts";
import { openDatabase } from "../../src/db/client.ts";
import { configureLog } from "../../src/log.ts";
import { ensureDevUser } from "../../src/services/bootstrap.ts";
import { createServices } from "../../src/services/index.ts";
import { createApp } from "../../src/server/app.ts";

const CALLS = Number(process.env.CALLS ?? 2000);
configureLog({ minimum: "warn" });

const db = openDatabase("sqlite://:memory:");
await db.migrate();
const services = createServices(db);
await ensureDevUser(services, "admin");
const config = { ...defaultConfig(false), MCP_DEV_USERNAME: "admin", MCP_SERVICE_HOST: "127.0.0.1", MCP_RATE_LIMIT: { enabled: false, requests: 1, window_seconds: 60 } };
const app = createApp({ config, services });
app.listen({ hostname: "127.0.0.1", port: 0, reusePort: false, development: false });
const url = `http://127.0.0.1:${app.server!.port}`;

const admin = await services.accounts.resolveActor("admin");
if ("refused" in admin) throw new Error(admin.refused);
const { token } = await services.hosts.register({ organizationId: admin.organizationId, ownerUserId: admin.userId, name: "bench-box" });
const dataDir = mkdtempSync(join(tmpdir(), "superset-bench-host-"));
const hostId = crypto.randomUUID().replaceAll("-", "");
const agent = startHostAgent({ serverUrls: [url], token, dataDir, hostId, name: "bench-box" });
while (!agent.isConnected()) await Bun.sleep(10);

const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Host: `127.0.0.1:${app.server!.port}` };
let nextId = 1;
async function rpc(method: string, params: Record<string, unknown>, sessionId?: string) {
  const response = await fetch(`${url}/mcp`, {
    method: "POST",
    headers: { ...headers, ...(sessionId && { "Mcp-Session-Id": sessionId }) },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
  });
  return { response, body: (await response.json()) as { result?: { isError?: boolean; structuredContent?: Record<string, any> } } };
}
const init = await rpc("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "0" } });
const session = init.response.headers.get("mcp-session-id")!;
async function tool(name: string, args: Record<string, unknown>) {
  const { body } = await rpc("tools/call", { name, arguments: args }, session);
  if (!body.result || body.result.isError) throw new Error(`${name} failed: ${JSON.stringify(body)}`);
  return body.result.structuredContent!;
}

const { workspace } = await tool("workspaces_create", { hostId, name: "bench" });
const { terminalId } = await tool("terminals_create", { hostId, workspaceId: workspace.id, command: "seq 1 200" });
await Bun.sleep(300);

async function measure(name: string, args: Record<string, unknown>) {
  for (let i = 0; i < 100; i++) await tool(name, args);
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await tool(name, args);
    times.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { name, callsPerSecond: CALLS / seconds, p50: at(0.5), p99: at(0.99) };
}

const rows = [
  await measure("tasks_statuses_list", {}),
  await measure("hosts_list", {}),
  await measure("terminals_read", { hostId, workspaceId: workspace.id, terminalId }),
  await measure("workspaces_list", { hostId }),
];
const reference = rows[0]!;
console.log(`${CALLS} sequential calls each, one client, loopback; reference = tasks_statuses_list (server only)\n`);
console.log("| tool | calls/s | vs reference | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |");
for (const row of rows)
  console.log(`| ${row.name} | ${row.callsPerSecond.toFixed(0)} | ${(row.callsPerSecond / reference.callsPerSecond).toFixed(2)}× | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} |`);

await agent.stop();
await app.stop(true);
await db.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
