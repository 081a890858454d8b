/**
 * The built binary with MCP_AUTH_ENABLED, as an operator runs it on the internet: accounts and an
 * API key made with the CLI, the SDK client connecting with the key, a JWT from a real JWKS
 * server, MCP_AUTH_FACTORY written in a config file without an import, and refusals that leave
 * the server serving.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { connectSdkClient } from "../helpers/sdk-client.ts";
import { createSigningKey, signToken, startIdentityProvider, type IdentityProvider, type SigningKey } from "../helpers/identity-provider.ts";

setDefaultTimeout(60_000);

const AUDIENCE = "superset-e2e";

let sandbox: Sandbox;
let idp: IdentityProvider;
let signing: SigningKey;

/** Runs a CLI command against the sandbox database and returns its stdout; fails the test on a non-zero exit. */
async function cli(...args: string[]): Promise<string> {
  const config = await sandbox.writeConfig(sandbox.baseConfig(), "cli.ts");
  const result = await sandbox.run([...args, "--config", config]);
  if (result.exitCode !== 0) throw new Error(`superset ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}

async function createKey(...extra: string[]): Promise<string> {
  const printed = await cli("api-keys", "create", "--user", "alice", "--org", "acme", ...extra);
  return /sk_live_[A-Za-z0-9_-]{43}/.exec(printed)![0];
}

const authConfig = () => ({ ...sandbox.baseConfig(), MCP_AUTH_ENABLED: true, MCP_DEV_USERNAME: undefined, SECRET_KEY: "e2e-secret-".repeat(5) });

const connect = async (url: string, headers: Record<string, string>) => (await connectSdkClient(url, "superset-e2e-auth", { requestInit: { headers } })).client;

const post = (url: string, headers: Record<string, string>) =>
  fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });

beforeAll(async () => {
  sandbox = await createSandbox();
  signing = await createSigningKey();
  idp = startIdentityProvider([signing]);
  await cli("orgs", "create", "acme", "--name", "Acme");
  await cli("users", "create", "alice");
  await cli("users", "add-to-org", "alice", "--org", "acme", "--role", "member");
});

afterAll(async () => {
  await idp.stop();
  await sandbox.dispose();
});

describe("MCP_AUTH_ENABLED with API keys and a JWKS", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await sandbox.start({ config: { ...authConfig(), MCP_JWKS_URI: idp.jwksUri, MCP_JWT_ISSUER: idp.issuer, MCP_JWT_AUDIENCE: AUDIENCE } });
  });
  afterAll(() => server.stop());

  test("the SDK client works with an API key made by the CLI, and tools act as its user", async () => {
    const client = await connect(server.url, { Authorization: `Bearer ${await createKey()}` });
    const created = await client.callTool({ name: "tasks_create", arguments: { title: "From the e2e key" } });
    expect(created.isError).toBeFalsy();
    const members = await client.callTool({ name: "organization_members_list", arguments: {} });
    expect(JSON.stringify(members.structuredContent)).toContain("alice");
    await client.close();
  });

  test("a JWT from the identity provider's JWKS gets in", async () => {
    const jwt = await signToken({ sub: "alice", iss: idp.issuer, aud: AUDIENCE }, signing);
    const client = await connect(server.url, { Authorization: `Bearer ${jwt}` });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });

  test("a read-only key sees only read-only tools", async () => {
    const client = await connect(server.url, { "X-API-Key": await createKey("--scope", "mcp:read") });
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain("tasks_list");
    expect(names).not.toContain("tasks_create");
    await client.close();
  });

  test("no credential, a garbage one, and a key revoked by the CLI while the server runs are all 401; the server keeps serving", async () => {
    const key = await createKey("--name", "soon revoked");
    expect((await post(server.url, { Authorization: `Bearer ${key}` })).status).toBe(200);
    await cli("api-keys", "revoke", /sk_live_.{4}/.exec(key)![0]);
    const attempts: Record<string, string>[] = [{}, { Authorization: "Bearer garbage" }, { Authorization: `Bearer ${key}` }, { Authorization: `Bearer ${"x".repeat(100_000)}` }];
    for (const headers of attempts) {
      const response = await post(server.url, headers);
      expect([401, 431]).toContain(response.status);
      expect(await response.text()).not.toContain("revoked");
    }
    expect((await post(server.url, { Authorization: `Bearer ${await createKey()}` })).status).toBe(200);
    expect(server.stderr()).toMatch(/API key refused: .* was revoked/);
  });
});

describe("MCP_AUTH_FACTORY in a config file", () => {
  test("the seed's custom example, with ctx.JWTVerifier and no import, verifies tokens", async () => {
    const config = { ...authConfig() } as Record<string, unknown>;
    delete config.MCP_DEV_USERNAME;
    const path = join(sandbox.root, "etc/factory.ts");
    const factory = `(ctx) => new ctx.JWTVerifier({ jwksUri: ${JSON.stringify(idp.jwksUri)}, issuer: ${JSON.stringify(idp.issuer)}, audience: "custom" })`;
    await Bun.write(path, `export default { ...${JSON.stringify(config)}, MCP_AUTH_FACTORY: ${factory} };\n`);
    const server = await sandbox.start({ args: ["--config", path] });
    try {
      const good = await signToken({ sub: "alice", iss: idp.issuer, aud: "custom" }, signing);
      expect((await post(server.url, { Authorization: `Bearer ${good}` })).status).toBe(200);
      const wrongAudience = await signToken({ sub: "alice", iss: idp.issuer, aud: AUDIENCE }, signing);
      expect((await post(server.url, { Authorization: `Bearer ${wrongAudience}` })).status).toBe(401);
    } finally {
      await server.stop();
    }
  });
});
