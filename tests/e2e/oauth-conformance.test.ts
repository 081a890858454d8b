/**
 * `conformance authorization` of the official MCP conformance suite (its 0.2.0 alpha line, pinned
 * as @modelcontextprotocol/conformance-alpha) against the built binary's authorization server:
 * the metadata scenario (RFC 8414 document at the issuer's well-known URL) and the
 * authorization-code scenario. For the second, the CLI prints an authorization URL for a person to
 * open and waits for the redirect on its own callback server at 127.0.0.1:<port>/callback; here
 * the scripted browser opens it, signs in, approves and follows the redirect there, and the CLI
 * then redeems the code at the token endpoint with its PKCE verifier and checks the answer.
 * Every check must be SUCCESS except the WARNINGs listed in ACCEPTED_WARNINGS.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Glob } from "bun";
import { freePort } from "../helpers/binary.ts";
import { registerClient, ScriptedBrowser, startOAuthServer, type OAuthServer } from "../helpers/oauth.ts";

setDefaultTimeout(90_000);

const CONFORMANCE_CLI = resolve(import.meta.dir, "../../node_modules/@modelcontextprotocol/conformance-alpha/dist/index.js");

/**
 * Check ids that may report WARNING, and why: none. (authorization-server-metadata-cimd was one
 * until the server advertised client_id_metadata_document_supported; the suite's CIMD scenario,
 * auth/basic-cimd, tests clients, not servers, so CIMD itself is covered by tests/oauth.)
 */
const ACCEPTED_WARNINGS: Record<string, string> = {};

interface Check {
  id: string;
  name: string;
  description: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
  errorMessage?: string;
  details?: unknown;
}

interface Run {
  exitCode: number | null;
  output: string;
  checks: Check[];
  /** What the scripted browser did with the printed URL, or why it could not. */
  browser: string;
}

/**
 * Runs `conformance authorization` for a registered public client, opening the printed
 * authorization URL with the scripted browser and following its redirect to the CLI's callback.
 */
async function runAuthorization(oauth: OAuthServer, clientId: string, port: number, organizationId: string): Promise<Run> {
  const cwd = await mkdtemp(join(tmpdir(), "superset-e2e-conformance-authorization-"));
  try {
    // The CLI needs Node 22 APIs (fs.globSync); Bun, this test's runtime, has them.
    const args = ["authorization", "--url", oauth.issuer, "--client-id", clientId, "--resource", oauth.mcpUrl, "--port", String(port), "--output-dir", "results"];
    const child = Bun.spawn([process.execPath, CONFORMANCE_CLI, ...args], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => child.kill("SIGKILL"), 80_000);
    let stdout = "";
    let browser = "the CLI printed no authorization URL";
    const prefix = `${oauth.issuer}/oauth/authorize?`;
    const reading = (async () => {
      const decoder = new TextDecoder();
      let opened = false;
      const reader = child.stdout.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        stdout += decoder.decode(chunk.value, { stream: true });
        const line = stdout.split("\n").find((candidate) => candidate.startsWith(prefix));
        if (line && !opened) {
          opened = true;
          browser = await openInBrowser(oauth, line.trim(), organizationId).catch((error) => `the scripted browser failed: ${error instanceof Error ? error.message : error}`);
        }
      }
    })();
    const [exitCode, stderr] = await Promise.all([child.exited, new Response(child.stderr).text(), reading]);
    clearTimeout(timer);
    // The CLI colours its report with fixed escape codes whatever the terminal.
    const output = `exit code ${exitCode}\n${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
    const checks: Check[] = [];
    for (const file of new Glob("results/authorization-server-*/checks.json").scanSync({ cwd })) checks.push(...((await Bun.file(join(cwd, file)).json()) as Check[]));
    return { exitCode, output, checks, browser };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/** Signs in and approves at `url`, then GETs the redirect target, the CLI's callback server. */
async function openInBrowser(oauth: OAuthServer, url: string, organizationId: string): Promise<string> {
  const { location } = await new ScriptedBrowser(oauth.issuer).authorize(url, { organizationId });
  // The CLI starts its callback server as it prints the URL; give it a moment if it is not listening yet.
  for (let attempt = 0; ; attempt++) {
    try {
      const callback = await fetch(location);
      return `approved; the callback answered ${callback.status}`;
    } catch (error) {
      if (attempt >= 20) throw error;
      await Bun.sleep(100);
    }
  }
}

const isAccepted = (check: Check) => check.status === "SUCCESS" || (check.status === "WARNING" && check.id in ACCEPTED_WARNINGS);

describe("conformance authorization (MCP conformance suite, alpha) against the built binary", () => {
  let oauth: OAuthServer;
  let run: Run;

  beforeAll(async () => {
    oauth = await startOAuthServer();
    const port = freePort();
    const client = await registerClient(oauth.issuer, { client_name: "MCP conformance suite", redirect_uris: [`http://127.0.0.1:${port}/callback`], token_endpoint_auth_method: "none" });
    run = await runAuthorization(oauth, client.client_id, port, oauth.organizations.acme);
  });

  afterAll(async () => {
    await oauth?.stop();
  });

  const report = () => `browser: ${run.browser}\n\nCLI output:\n${run.output}`;

  test("both scenarios ran: metadata and authorization code", () => {
    const ids = run.checks.map((check) => check.id);
    expect(ids, report()).toContain("authorization-server-metadata");
    expect(ids, report()).toContain("authorization-code-grant");
  });

  test("every check passed (only the listed warnings accepted) and the CLI exited 0", () => {
    const failures = run.checks.filter((check) => !isAccepted(check));
    const lines = failures.map((check) => `${check.status} ${check.id}: ${check.description}${check.errorMessage ? ` — ${check.errorMessage}` : ""}\n${JSON.stringify(check.details ?? {}, null, 2)}`);
    expect(failures.length, `checks not passed:\n${lines.join("\n")}\n\n${report()}`).toBe(0);
    expect(run.exitCode, report()).toBe(0);
  });

  test("the metadata check of client_id_metadata_document_supported passed", () => {
    expect(run.checks.find((check) => check.id === "authorization-server-metadata-cimd")?.status, report()).toBe("SUCCESS");
  });

  test("the redirect to the suite's callback carried iss, the issuer (RFC 9207)", async () => {
    const grant = run.checks.find((check) => check.id === "authorization-code-grant");
    const response = (grant?.details as { authorizationResponseUrl?: string } | undefined)?.authorizationResponseUrl ?? "";
    expect(new URL(response).searchParams.get("iss"), report()).toBe(oauth.issuer);
  });
});
