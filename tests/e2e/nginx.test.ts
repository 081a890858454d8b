/**
 * The shipped nginx site (scripts/deploy/nginx.conf) with real nginx in front of the built binary,
 * MCP_SERVICE_URL being nginx's https URL and no MCP_ALLOWED_HOSTS, as an operator deploys it:
 * the SDK client, a host agent over wss, OAuth discovery and the rate limit all go through TLS.
 * One nginx fronts a dev-mode server, another an auth-enabled one. The minute-long waits (an SSE
 * stream, a silent tool call and the host's WebSocket outliving nginx's default 60 s timeout) start
 * in beforeAll and are checked by the last test, so they run while the other tests do.
 *
 * Without /usr/sbin/nginx these tests are skipped with a message, except under CI (CI=true).
 */
import type { Subprocess } from "bun";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSandbox, freePort, logMessages, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { makeRemote, removeTempDirs, type TestRemote } from "../helpers/git-repos.ts";
import { randomHostId } from "../helpers/hosts.ts";
import { makeCertificates, NGINX, PUBLIC_NAME, startNginx, type RunningNginx, type TestCertificates } from "../helpers/nginx.ts";
import { startOAuthServer, type OAuthServer } from "../helpers/oauth.ts";
import { eventually } from "../helpers/eventually.ts";
import { runProcess } from "../helpers/run-process.ts";

setDefaultTimeout(60_000);

const underCi = process.env.CI === "true";
const hasNginx = existsSync(NGINX);
if (!hasNginx && !underCi) console.warn(`[nginx] skipped: ${NGINX} is missing (apt-get install nginx); CI installs it and runs these tests.`);

/** Past nginx's default proxy_read_timeout of 60 s, which the site raises for MCP and the host socket. */
const PAST_DEFAULT_TIMEOUT_MS = 70_000;
const PROTOCOL_VERSION = "2025-11-25";
/** The auth server's MCP_RATE_LIMIT.requests: a client over it gets 429. */
const RATE_LIMIT_REQUESTS = 4;

type Structured = Record<string, any>;

describe.skipIf(!hasNginx && !underCi)("the shipped nginx site in front of the built binary", () => {
  let certificates: TestCertificates;
  let sandbox: Sandbox;
  let server: RunningServer;
  let proxy: RunningNginx;
  let auth: OAuthServer;
  let authProxy: RunningNginx;
  let client: Client;
  let remote: TestRemote;
  let agent: Subprocess | undefined;
  const hostId = randomHostId();
  let gates = "";
  let agentLog = "";
  let projectId = "";
  /** A workspaces_create answered as plain JSON, started by the progress test and let finish by the last one. */
  let silentCall: { startedAt: number; answer: Promise<{ value?: Structured; error?: Error }> } | undefined;
  /** The raw GET stream of a session of its own, read in the background from beforeAll. */
  const stream = { openedAt: 0, chunks: [] as { at: number; text: string }[], ended: null as string | null, abort: new AbortController() };

  /** fetch trusting the test CA, as a client trusts a real certificate. */
  const tlsFetch = (input: string | URL | Request, init: RequestInit = {}) => fetch(input, { ...init, tls: { ca: certificates.ca } });

  const tool = async (name: string, args: Record<string, unknown> = {}, options: Parameters<Client["callTool"]>[2] = {}) => {
    const result = await client.callTool({ name, arguments: args }, undefined, options);
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
    return result.structuredContent as Structured;
  };

  beforeAll(async () => {
    expect(existsSync(NGINX), `${NGINX} is missing: CI must install Debian's nginx package (see .ci/run)`).toBe(true);
    certificates = await makeCertificates();

    // The public URL names nginx's port, so the ports are chosen before the server starts.
    const ports = { httpsPort: freePort(), httpPort: freePort() };
    sandbox = await createSandbox();
    const devConfig = { ...sandbox.baseConfig(), MCP_SERVICE_URL: `https://${PUBLIC_NAME}:${ports.httpsPort}` };
    server = await sandbox.start({ config: devConfig });
    proxy = await startNginx({ ...ports, upstreamPort: server.port, certificates });

    const authPorts = { httpsPort: freePort(), httpPort: freePort() };
    auth = await startOAuthServer({
      MCP_SERVICE_URL: `https://${PUBLIC_NAME}:${authPorts.httpsPort}`,
      MCP_RATE_LIMIT: { enabled: true, requests: RATE_LIMIT_REQUESTS, window_seconds: 3600 },
      // The test's clients are on loopback too (127.0.0.2 and .3, see the rate limit test), so only
      // nginx's own address is trusted, as a deployment with nginx on another machine lists that one.
      MCP_TRUSTED_PROXIES: ["127.0.0.1"],
    });
    authProxy = await startNginx({ ...authPorts, upstreamPort: auth.server.port, certificates });

    // Setup waits for <gates>/<workspace name>.go, so a test decides when a workspace_create ends.
    gates = join(sandbox.root, "gates");
    mkdirSync(gates);
    remote = makeRemote({ files: { ".superset/setup.sh": `while [ ! -e "${gates}/$SUPERSET_WORKSPACE_NAME.go" ]; do sleep 0.1; done\necho setup done\n` } });

    const registered = await sandbox.run(["hosts", "register", "--org", "default", "--user", "admin", "--name", "proxied-box", "--config", await sandbox.writeConfig(devConfig, "cli.ts")]);
    expect(registered.exitCode, registered.stderr).toBe(0);
    expect(registered.stdout).toContain(`superset host run --server ${proxy.url}`);
    const token = /sk_host_[A-Za-z0-9_-]{43}/.exec(registered.stdout)![0];
    const child = Bun.spawn([sandbox.binary, "host", "run", "--server", proxy.url, "--data-dir", join(sandbox.root, "host-data"), "--host-id", hostId], {
      cwd: sandbox.cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(sandbox.root, "home"), SUPERSET_HOST_TOKEN: token, NODE_EXTRA_CA_CERTS: certificates.caPath },
      stdout: "ignore",
      stderr: "pipe",
    });
    agent = child;
    void (async () => {
      const decoder = new TextDecoder();
      const reader = child.stderr.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) agentLog += decoder.decode(chunk.value, { stream: true });
    })();

    await openRawStream();
    client = new Client({ name: "superset-e2e-nginx", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`), { fetch: tlsFetch }));
  });

  /** A session with its GET stream open, read in the background until the last test. */
  async function openRawStream(): Promise<void> {
    const url = `${proxy.url}/mcp`;
    const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
    const initialize = await tlsFetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "superset-e2e-nginx", version: "1.0.0" } },
      }),
    });
    expect(initialize.status, await initialize.clone().text()).toBe(200);
    await initialize.text();
    const session = { "Mcp-Session-Id": initialize.headers.get("mcp-session-id")!, "MCP-Protocol-Version": PROTOCOL_VERSION };
    const initialized = await tlsFetch(url, { method: "POST", headers: { ...headers, ...session }, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
    expect(initialized.status).toBe(202);
    stream.openedAt = Date.now();
    const response = await tlsFetch(url, { headers: { Accept: "text/event-stream", ...session }, signal: stream.abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return void (stream.ended = `ended after ${Date.now() - stream.openedAt} ms`);
          stream.chunks.push({ at: Date.now(), text: decoder.decode(value) });
        }
      } catch (error) {
        if (!stream.abort.signal.aborted) stream.ended = `failed after ${Date.now() - stream.openedAt} ms: ${(error as Error).message}`;
      }
    })();
  }

  afterAll(async () => {
    stream.abort.abort();
    await client?.close().catch(() => {});
    if (agent) {
      agent.kill("SIGTERM");
      await agent.exited;
    }
    await Promise.all([proxy?.stop(), authProxy?.stop()]);
    await Promise.all([sandbox?.dispose(), auth?.stop()]);
    await certificates?.remove();
    removeTempDirs();
  });

  /** One TLS handshake with `openssl s_client`: what was negotiated and whether the chain verified. */
  async function handshake(tlsVersion: "-tls1_2" | "-tls1_3") {
    const args = ["s_client", "-connect", `127.0.0.1:${proxy.httpsPort}`, "-servername", PUBLIC_NAME, "-CAfile", certificates.caPath, "-verify_return_error", "-alpn", "h2,http/1.1", tlsVersion];
    const { exitCode, stdout } = await runProcess(["openssl", ...args]);
    return { exitCode, stdout };
  }

  test("TLS 1.2 and 1.3 with a verified certificate, HTTP/2 offered, plain HTTP redirected to https", async () => {
    for (const [flag, name] of [
      ["-tls1_2", "TLSv1.2"],
      ["-tls1_3", "TLSv1.3"],
    ] as const) {
      const { exitCode, stdout } = await handshake(flag);
      expect(exitCode, stdout).toBe(0);
      expect(stdout).toContain(`New, ${name}, Cipher is`);
      expect(stdout).toContain("ALPN protocol: h2");
      expect(stdout).toContain("Verify return code: 0 (ok)");
    }
    const redirect = await fetch(`http://127.0.0.1:${proxy.httpPort}/mcp?from=http`, { redirect: "manual" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe(`https://${PUBLIC_NAME}/mcp?from=http`);
    const health = await tlsFetch(`${proxy.url}/health`);
    expect(await health.json()).toEqual({ status: "ok" });
    expect(health.headers.get("strict-transport-security")).toBe("max-age=63072000");
  });

  test("every path the server serves answers through nginx as it does directly", async () => {
    const routes = (base: string, paths: [string, string][]) =>
      Promise.all(paths.map(async ([method, path]) => [`${method} ${path}`, (await tlsFetch(`${base}${path}`, { method, redirect: "manual" })).status] as const));
    const devPaths: [string, string][] = [
      ["GET", "/"],
      ["GET", "/signin"],
      ["POST", "/signout"],
      ["GET", "/settings/api-keys"],
      ["GET", "/settings/api-keys/revoke"],
      ["GET", "/settings/connections"],
      ["GET", "/assets/styles.css"],
      ["GET", "/assets/copy.js"],
      ["GET", "/health"],
      ["GET", "/ready"],
      ["GET", "/mcp"],
      ["GET", "/api/v2/agent/mcp"],
      ["GET", "/api/agent/mcp"],
    ];
    const oauthPaths: [string, string][] = [
      ["GET", "/.well-known/oauth-authorization-server"],
      ["GET", "/.well-known/oauth-protected-resource"],
      ["GET", "/.well-known/oauth-protected-resource/mcp"],
      ["GET", "/.well-known/oauth-protected-resource/api/v2/agent/mcp"],
      ["GET", "/.well-known/jwks.json"],
      ["GET", "/oauth/authorize"],
      ["POST", "/oauth/token"],
      ["POST", "/oauth/register"],
      ["POST", "/oauth/revoke"],
      ["GET", "/signin"],
    ];
    const serverBase = (running: RunningServer) => running.url.replace(/\/mcp$/, "");
    expect(await routes(proxy.url, devPaths)).toEqual(await routes(serverBase(server), devPaths));
    expect(await routes(authProxy.url, oauthPaths)).toEqual(await routes(serverBase(auth.server), oauthPaths));
  });

  test("/metrics and unknown paths are answered by nginx itself; oversized bodies are refused", async () => {
    for (const path of ["/metrics", "/internal", "/mcp/extra"]) {
      const response = await tlsFetch(`${proxy.url}${path}`);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("<center>nginx</center>");
    }
    const oversized = await tlsFetch(`${proxy.url}/mcp`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "x".repeat(6 * 1024 * 1024) });
    expect(oversized.status).toBe(413);
  });

  test("the SDK client initializes, lists and calls tools over https", async () => {
    expect(client.getServerVersion()?.name).toBe("superset");
    const { tools } = await client.listTools();
    expect(tools.map((listed) => listed.name)).toContain("health_check");
    expect(await tool("health_check")).toMatchObject({ status: expect.any(String) });
  });

  test("OAuth discovery and the 401 challenge name the https URLs", async () => {
    const resource = await (await tlsFetch(`${authProxy.url}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(resource).toMatchObject({ resource: `${authProxy.url}/mcp`, authorization_servers: [authProxy.url] });
    const metadata = await (await tlsFetch(`${authProxy.url}/.well-known/oauth-authorization-server`)).json();
    expect(metadata).toMatchObject({
      issuer: authProxy.url,
      authorization_endpoint: `${authProxy.url}/oauth/authorize`,
      token_endpoint: `${authProxy.url}/oauth/token`,
      registration_endpoint: `${authProxy.url}/oauth/register`,
    });
    for (const path of ["/mcp", "/api/v2/agent/mcp"]) {
      const challenge = await tlsFetch(`${authProxy.url}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
      expect(challenge.status).toBe(401);
      expect(challenge.headers.get("www-authenticate")).toContain(`resource_metadata="${authProxy.url}/.well-known/oauth-protected-resource${path}"`);
    }
  });

  test("a client's own X-Forwarded-For does not change the address the rate limit counts", async () => {
    // curl can pick its source address: the clients are 127.0.0.2 and 127.0.0.3, nginx reaches the server from 127.0.0.1.
    const post = async (source: string, forwardedFor: string) => {
      const args = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--interface", source, "--cacert", certificates.caPath, "--resolve", `${PUBLIC_NAME}:${authProxy.httpsPort}:127.0.0.1`];
      const headers = ["-H", "Content-Type: application/json", "-H", "Accept: application/json, text/event-stream", "-H", `X-Forwarded-For: ${forwardedFor}`, "-H", `X-Real-IP: ${forwardedFor}`];
      const { exitCode, stdout, stderr } = await runProcess([...args, ...headers, "--data", '{"jsonrpc":"2.0","id":1,"method":"ping"}', `${authProxy.url}/mcp`]);
      expect(exitCode, stderr).toBe(0);
      return Number(stdout);
    };
    const statuses: number[] = [];
    for (let index = 1; index <= RATE_LIMIT_REQUESTS + 2; index++) statuses.push(await post("127.0.0.2", `203.0.113.${index}`));
    expect(statuses).toEqual([...Array(RATE_LIMIT_REQUESTS).fill(401), 429, 429]);
    // Another client is counted on its own: the limit follows the real address, not nginx's.
    expect(await post("127.0.0.3", "203.0.113.1")).toBe(401);
  });

  test("a host agent connects over wss through nginx and is online", async () => {
    await eventually("the agent to connect through nginx", async () => (await tool("hosts_list")).result.some((host: Structured) => host.id === hostId && host.online), 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}; agent stderr:\n${agentLog}`);
      },
    );
  });

  test("progress notifications arrive through nginx while the tool call runs", async () => {
    const cloneProgress: string[] = [];
    const { project } = await tool("projects_create", { hostId, gitUrl: remote.url }, { onprogress: (progress) => void cloneProgress.push(progress.message ?? "") });
    expect(cloneProgress.length).toBeGreaterThan(0);
    projectId = project.id;

    // Setup waits for its gate, which only this progress handler opens: the answer exists only if progress came through live.
    const setupProgress: string[] = [];
    const created = await tool(
      "workspaces_create",
      { hostId, projectId, name: "live", branch: "live" },
      {
        onprogress: (progress) => {
          setupProgress.push(progress.message ?? "");
          writeFileSync(join(gates, "live.go"), "");
        },
      },
    );
    expect(setupProgress[0]).toStartWith("Running setup in terminal");
    expect(created.workspace).toMatchObject({ branch: "live", worktreeExists: true });

    // The next call sends no progress token, so its answer is plain JSON, silent until the last test opens the gate.
    silentCall = {
      startedAt: Date.now(),
      answer: tool("workspaces_create", { hostId, projectId, name: "silent", branch: "silent" }, { timeout: 150_000 }).then(
        (value) => ({ value }),
        (error: Error) => ({ error }),
      ),
    };
  });

  test("a GET stream, a silent tool call and the host's WebSocket all outlive nginx's default 60 s timeout", async () => {
    expect(silentCall, "the progress test starts the silent call").toBeDefined();
    // Waiting is the point here: each connection must stay quiet past 60 s and still work.
    await Bun.sleep(Math.max(0, stream.openedAt + PAST_DEFAULT_TIMEOUT_MS - Date.now(), silentCall!.startedAt + PAST_DEFAULT_TIMEOUT_MS - Date.now()));
    expect(stream.ended, `the GET stream closed (${stream.ended})`).toBeNull();
    const pastTimeout = Date.now();
    await eventually("a keep-alive on the GET stream after 70 s", () => stream.chunks.some((chunk) => chunk.at >= pastTimeout) || stream.ended !== null, 20_000);
    expect(stream.ended).toBeNull();
    expect(stream.chunks.at(-1)!.text).toContain(": keepalive");

    writeFileSync(join(gates, "silent.go"), "");
    const { value, error } = await silentCall!.answer;
    expect(error).toBeUndefined();
    expect(value!.workspace).toMatchObject({ branch: "silent", worktreeExists: true });

    // One connection for the whole file: nginx never cut the agent's socket, so it never reconnected.
    expect(logMessages(server.stderr()).filter((message) => message === "host connected")).toHaveLength(1);
    expect((await tool("hosts_list")).result.find((host: Structured) => host.id === hostId)?.online).toBe(true);
  }, 150_000);
});
