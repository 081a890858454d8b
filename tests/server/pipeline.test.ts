/** The HTTP pipeline of docs/authentication.md#the-request-pipeline in front of /mcp, and the routes beside it, through `app.handle`. */
import { beforeAll, describe, expect, test } from "bun:test";
import { ALL_TOOLS } from "../../src/tools/index.ts";
import { call, callTool, createTestApp, DEV_USERNAME, request, rpc, send, type TestApp } from "../helpers/app.ts";
import { expectUnauthorized, withCapturedLog } from "../helpers/auth.ts";

/** A ping with these Host and Origin headers (Origin left out when null). */
function pingFrom(t: TestApp, host: string, origin: string | null, path = "/mcp"): Promise<Response> {
  const headers: Record<string, string> = { Host: host };
  if (origin !== null) headers.Origin = origin;
  return rpc(t.app, request("ping"), { headers, url: `http://${host}${path}` });
}

async function expectForbidden(response: Response, mentioning: string): Promise<void> {
  expect(response.status).toBe(403);
  const body = (await response.json()) as { error: { code: number; message: string } };
  expect(body.error.code).toBe(-32000);
  expect(body.error.message).toContain(mentioning);
}

describe("origin and host check on a loopback bind", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });

  test("a foreign Host with a foreign Origin is 403 (DNS rebinding)", async () => {
    await expectForbidden(await pingFrom(t, "evil.example.com", "http://evil.example.com"), "evil.example.com");
  });

  test("a foreign Host without an Origin is 403 too", async () => {
    await expectForbidden(await pingFrom(t, "evil.example.com:5008", null), "MCP_ALLOWED_HOSTS");
  });

  test("a loopback Host with a foreign Origin is 403", async () => {
    await expectForbidden(await pingFrom(t, "127.0.0.1:5008", "https://evil.example.com"), "MCP_ALLOWED_ORIGINS");
  });

  test("the alias path is guarded the same way", async () => {
    await expectForbidden(await pingFrom(t, "evil.example.com", "http://evil.example.com", "/api/v2/agent/mcp"), "evil.example.com");
  });

  test.each([
    { host: "127.0.0.1:5008", origin: "http://127.0.0.1:5008" },
    { host: "127.0.0.1:5008", origin: "http://localhost:3000" },
    { host: "localhost:5008", origin: "http://localhost:6274" },
    { host: "[::1]:5008", origin: "(none)" },
    { host: "127.0.0.1:5008", origin: "(none)" },
  ])("Host $host with Origin $origin is let through", async ({ host, origin }) => {
    const response = await pingFrom(t, host, origin === "(none)" ? null : origin);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { result: unknown }).result).toEqual({});
  });

  test("/health is outside the pipeline", async () => {
    const response = await t.app.handle(new Request("http://evil.example.com/health", { headers: { Origin: "http://evil.example.com" } }));
    expect(response.status).toBe(200);
  });
});

describe("MCP_ALLOWED_HOSTS and MCP_ALLOWED_ORIGINS widen the lists", () => {
  test("a loopback bind accepts a listed Host (with or without port)", async () => {
    const t = await createTestApp({ MCP_ALLOWED_HOSTS: ["mcp.internal"] });
    expect((await pingFrom(t, "mcp.internal:5008", null)).status).toBe(200);
    expect((await pingFrom(t, "mcp.internal", null)).status).toBe(200);
    expect((await pingFrom(t, "other.internal", null)).status).toBe(403);
  });

  test("on 0.0.0.0 a foreign Origin is 403 unless listed", async () => {
    const t = await createTestApp({ MCP_SERVICE_HOST: "0.0.0.0", MCP_ALLOWED_ORIGINS: ["https://app.example.com"] });
    await expectForbidden(await pingFrom(t, "mcp.example.com", "https://evil.example.com"), "https://evil.example.com");
    // Loopback origins are only trusted while the server itself is local.
    expect((await pingFrom(t, "mcp.example.com", "http://localhost:3000")).status).toBe(403);
    expect((await pingFrom(t, "mcp.example.com", "https://app.example.com")).status).toBe(200);
    expect((await pingFrom(t, "mcp.example.com", null)).status).toBe(200);
  });

  test("on 0.0.0.0 the public URL's origin is allowed, and MCP_ALLOWED_HOSTS restricts Host", async () => {
    const t = await createTestApp({ MCP_SERVICE_HOST: "0.0.0.0", MCP_SERVICE_URL: "https://mcp.example.com", MCP_ALLOWED_HOSTS: ["mcp.example.com"] });
    expect((await pingFrom(t, "mcp.example.com", "https://mcp.example.com")).status).toBe(200);
    await expectForbidden(await pingFrom(t, "attacker.example.net", null), "MCP_ALLOWED_HOSTS");
  });
});

describe("behind a reverse proxy that passes the public Host", () => {
  test("the host of MCP_SERVICE_URL is allowed on a loopback bind without MCP_ALLOWED_HOSTS; other hosts are not", async () => {
    const t = await createTestApp({ MCP_SERVICE_URL: "https://mcp.example.com" });
    // Nginx's `proxy_set_header Host $host` carries no port; a Host with one names the same host.
    expect((await pingFrom(t, "mcp.example.com", null)).status).toBe(200);
    expect((await pingFrom(t, "MCP.example.com:443", "https://mcp.example.com")).status).toBe(200);
    await expectForbidden(await pingFrom(t, "evil.example.com", null), "MCP_SERVICE_URL");
    // The upstream block's name, sent when nginx has no Host line, is not the public host.
    await expectForbidden(await pingFrom(t, "superset_upstream", null), "MCP_ALLOWED_HOSTS");
  });

  test("a refused Host is logged at warn with the host and the settings to change, on /mcp and on the pages", async () => {
    const t = await createTestApp({ MCP_SERVICE_URL: "https://mcp.example.com" });
    const lines = await withCapturedLog(async (captured) => {
      expect((await pingFrom(t, "superset_upstream", null)).status).toBe(403);
      expect((await t.app.handle(new Request("https://mcp.example.com/signin", { headers: { Host: "superset_upstream:5008" } }))).status).toBe(403);
      expect((await pingFrom(t, "mcp.example.com", null)).status).toBe(200);
      return [...captured];
    });
    expect(lines).toHaveLength(2);
    for (const [line, path] of [
      [lines[0]!, "/mcp"],
      [lines[1]!, "/signin"],
    ] as const) {
      expect(line).toContain("warn");
      expect(line).toContain("request refused by the DNS-rebinding check");
      expect(line).toContain("superset_upstream");
      expect(line).toContain(path);
      expect(line).toContain("set MCP_SERVICE_URL to the public URL that names it, or add it to MCP_ALLOWED_HOSTS");
    }
  });

  test("on 0.0.0.0 with MCP_ALLOWED_HOSTS the host of MCP_SERVICE_URL stays allowed", async () => {
    const t = await createTestApp({ MCP_SERVICE_HOST: "0.0.0.0", MCP_SERVICE_URL: "https://mcp.example.com", MCP_ALLOWED_HOSTS: ["mcp.internal"] });
    expect((await pingFrom(t, "mcp.example.com", null)).status).toBe(200);
    expect((await pingFrom(t, "mcp.internal", null)).status).toBe(200);
    await expectForbidden(await pingFrom(t, "attacker.example.net", null), "MCP_ALLOWED_HOSTS");
  });
});

describe("authentication", () => {
  let dev: TestApp;
  let authOn: TestApp;
  beforeAll(async () => {
    dev = await createTestApp();
    authOn = await createTestApp({ MCP_AUTH_ENABLED: true, MCP_DEV_USERNAME: null });
  });

  test("dev mode runs a request without a credential as the dev user", async () => {
    const members = await callTool(dev.app, "organization_members_list", {}, null);
    expect((members.result!.structuredContent as { members: { username: string }[] }).members.map((m) => m.username)).toEqual([DEV_USERNAME]);
  });

  test.each([
    ["Authorization", "Bearer sk_live_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"],
    ["Authorization", "bearer eyJhbGciOiJub25lIn0.e30."],
    ["Authorization", "Basic YWRtaW46YWRtaW4="],
    ["X-API-Key", "sk_live_whatever"],
  ])("dev mode refuses a credential it cannot verify (%s: %s)", async (header, value) => {
    await withCapturedLog(async () => expectUnauthorized(await rpc(dev.app, request("ping"), { headers: { [header]: value } })));
  });

  test("with MCP_AUTH_ENABLED every MCP request without a valid credential is 401", async () => {
    await withCapturedLog(async () => {
      await expectUnauthorized(await rpc(authOn.app, request("ping")));
      await expectUnauthorized(await rpc(authOn.app, request("tools/list"), { url: "http://127.0.0.1:5008/api/v2/agent/mcp" }));
      await expectUnauthorized(await send(authOn.app, "GET", { headers: { Accept: "text/event-stream" } }));
      await expectUnauthorized(await send(authOn.app, "DELETE", { sessionId: crypto.randomUUID() }));
      await expectUnauthorized(await rpc(authOn.app, request("ping"), { headers: { Authorization: "Bearer nope" } }));
    });
  });

  test("with MCP_AUTH_ENABLED /health and the GET description still answer", async () => {
    expect(await (await authOn.app.handle(new Request("http://127.0.0.1:5008/health"))).json()).toEqual({ status: "ok" });
    const description = await withCapturedLog(() => send(authOn.app, "GET", { headers: { Accept: "application/json" } }));
    expect(description.status).toBe(200);
    expect(((await description.json()) as { authentication: string }).authentication).toContain("OAuth");
  });
});

describe("routes", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });

  test("GET /mcp without text/event-stream describes the endpoint", async () => {
    const response = await send(t.app, "GET", { headers: { Accept: "text/html,application/json" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ name: "superset", endpoint: "http://127.0.0.1:5008/mcp", transport: "streamable-http" });
  });

  test("/api/v2/agent/mcp works the same as /mcp", async () => {
    const url = "http://127.0.0.1:5008/api/v2/agent/mcp";
    const description = await send(t.app, "GET", { url, headers: { Accept: "application/json" } });
    expect(((await description.json()) as { endpoint: string }).endpoint).toBe(url);
    const initialized = await rpc(t.app, request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } }), { url });
    const sessionId = initialized.headers.get("mcp-session-id")!;
    expect(sessionId).toBeTruthy();
    const tools = (await (await rpc(t.app, request("tools/list"), { url, sessionId })).json()) as { result: { tools: unknown[] } };
    expect(tools.result.tools).toHaveLength(ALL_TOOLS.length);
    // One registry behind both paths: the session works on /mcp as well.
    expect((await call(t.app, "ping", undefined, sessionId)).result).toEqual({});
  });

  test("the v1 path /api/agent/mcp is 410 Gone, pointing to /mcp", async () => {
    for (const method of ["GET", "POST"]) {
      const response = await t.app.handle(new Request("http://127.0.0.1:5008/api/agent/mcp", { method }));
      expect(response.status).toBe(410);
      const body = (await response.json()) as { endpoint: string; message: string };
      expect(body.endpoint).toBe("http://127.0.0.1:5008/mcp");
      expect(body.message).toContain("/mcp");
    }
  });

  test("/health is ok", async () => {
    const response = await t.app.handle(new Request("http://127.0.0.1:5008/health"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  test("/ready is 200 while the database answers and 503 naming it when it does not", async () => {
    const own = await createTestApp();
    const ready = await own.app.handle(new Request("http://127.0.0.1:5008/ready"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", database: "ok" });
    await own.db.close();
    const down = await own.app.handle(new Request("http://127.0.0.1:5008/ready"));
    expect(down.status).toBe(503);
    expect(((await down.json()) as { down: string[] }).down).toContain("database");
  });

  test("a fault while resolving the caller is a generic 500 that names only a call id", async () => {
    const own = await createTestApp();
    await own.db.close(); // the dev user is looked up on the first request
    await withCapturedLog(async (lines) => {
      const response = await rpc(own.app, request("ping"));
      expect(response.status).toBe(500);
      const text = await response.text();
      const callId = text.match(/Internal error \(call id ([\w-]+)\)/)?.[1];
      expect(callId).toBeDefined();
      expect(text).not.toMatch(/closed database|\n\s+at /);
      expect(lines.some((line) => line.includes(callId!) && line.includes("closed database"))).toBe(true);
    });
  });
});

describe("roles", () => {
  test("a viewer sees only read-only tools and cannot call tasks_create", async () => {
    const t = await createTestApp();
    // Before the first request: the dev user's actor is cached for a few seconds once resolved.
    await t.services.accounts.setMembership(DEV_USERNAME, "default", "viewer");
    const listed = await call<{ tools: { name: string; annotations: { readOnlyHint: boolean } }[] }>(t.app, "tools/list", undefined, null);
    const names = listed.result!.tools.map((tool) => tool.name);
    expect(names).toEqual(ALL_TOOLS.filter((tool) => tool.annotations.readOnlyHint).map((tool) => tool.name));
    expect(listed.result!.tools.every((tool) => tool.annotations.readOnlyHint)).toBe(true);
    const refused = await callTool(t.app, "tasks_create", { title: "Viewer's task" }, null);
    expect(refused.error?.code).toBe(-32602);
    expect(refused.error?.message).toContain("tasks_create");
    expect((await callTool(t.app, "tasks_list", {}, null)).result?.isError).toBeUndefined();
  });
});
