/**
 * README's "Connecting clients" section, snippet by snippet: every JSON and TOML block parses,
 * every shell line is read as the shell would split it, every URL is one of this server's MCP
 * paths, and every client has an OAuth snippet and an API-key snippet; each client's section
 * starts with its `superset connect` line, and Gemini's says how OAuth completes inside Gemini.
 * Then against the built binary with OAuth on: each URL answers 401 with its resource_metadata
 * when no credential is sent, and each API-key snippet works with its header as written (the key
 * and environment variable placeholders filled in); the mcp-remote snippet is run for real, and
 * each `superset connect` line is run and the file it writes is used as the client would.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MCP_PATHS } from "../../src/mcp/paths.ts";
import { mcpPing, startOAuthServer, USERNAME, type OAuthServer } from "../helpers/oauth.ts";

setDefaultTimeout(60_000);

const README = resolve(import.meta.dir, "../../README.md");
const MCP_REMOTE = resolve(import.meta.dir, "../../node_modules/mcp-remote/dist/proxy.js");
/** The section headings and the `superset connect` name of each. */
const CONNECT_IDS: Record<string, string> = {
  "Claude Code": "claude-code",
  "Claude Desktop": "claude-desktop",
  Cursor: "cursor",
  Codex: "codex",
  "Gemini CLI": "gemini",
  opencode: "opencode",
  Amp: "amp",
};
const CLIENTS = Object.keys(CONNECT_IDS);
const KEY_PLACEHOLDER = "sk_live_your_api_key_here";
const KEY_VARIABLE = "SUPERSET_API_KEY";

/** One fenced block of the section and what it tells a client to do. */
interface Snippet {
  client: string;
  lang: string;
  text: string;
  urls: string[];
  /** Headers to send, as written (placeholders not yet filled); empty for an OAuth snippet. */
  headers: Record<string, string>;
  /** For a stdio bridge: the command and arguments. */
  command?: { command: string; args: string[] };
}

/** The fenced blocks of `## Connecting clients`, each under its `### Client` heading. */
function sectionBlocks(markdown: string): { client: string; lang: string; text: string }[] {
  const start = markdown.indexOf("\n## Connecting clients\n");
  expect(start, "README has no ## Connecting clients section").toBeGreaterThan(-1);
  const end = markdown.indexOf("\n## ", start + 5);
  const section = markdown.slice(start, end === -1 ? undefined : end);
  const blocks: { client: string; lang: string; text: string }[] = [];
  let client = "";
  const lines = section.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heading = /^### (.+)$/.exec(lines[i]!);
    if (heading) client = heading[1]!.trim();
    const fence = /^```(\w*)$/.exec(lines[i]!);
    if (!fence) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]!);
    blocks.push({ client, lang: fence[1]!, text: body.join("\n") });
  }
  return blocks;
}

/** Splits a shell command line into words, honouring single and double quotes. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}

const isUrl = (value: unknown): value is string => typeof value === "string" && /^https?:\/\//.test(value);

function headerPair(value: string): [string, string] {
  const colon = value.indexOf(":");
  return [value.slice(0, colon).trim(), value.slice(colon + 1).trim()];
}

/** Reads the words of a command or an args list: URLs, `--header "Name: value"`, `--bearer-token-env-var NAME`, `--api-key KEY`. */
function fromWords(words: string[], into: Pick<Snippet, "urls" | "headers">): void {
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (isUrl(word)) into.urls.push(word);
    else if ((word === "--header" || word === "-H") && words[i + 1]) {
      const [name, value] = headerPair(words[++i]!);
      into.headers[name] = value;
    } else if (word === "--bearer-token-env-var" && words[i + 1]) into.headers.Authorization = `Bearer {env:${words[++i]}}`;
    else if (word === "--api-key" && words[i + 1]) into.headers.Authorization = `Bearer ${words[++i]}`;
  }
}

/** What a JSON config says: server URLs (`url`, `httpUrl`), `headers`, and the command of a stdio bridge. */
function fromJson(value: unknown, into: Snippet): void {
  if (Array.isArray(value)) return value.forEach((item) => fromJson(item, into));
  if (!value || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  for (const key of ["url", "httpUrl"]) if (isUrl(record[key])) into.urls.push(record[key] as string);
  if (record.headers && typeof record.headers === "object") Object.assign(into.headers, record.headers);
  if (typeof record.command === "string" && Array.isArray(record.args)) {
    into.command = { command: record.command, args: record.args as string[] };
    fromWords(record.args as string[], into);
  }
  for (const [key, child] of Object.entries(record)) if (key !== "headers" && key !== "args") fromJson(child, into);
}

/** What a Codex config.toml says: `url`, `http_headers`, `bearer_token_env_var` of each `[mcp_servers.*]`. */
function fromToml(text: string, into: Snippet): void {
  const parsed = Bun.TOML.parse(text) as { mcp_servers?: Record<string, { url?: string; http_headers?: Record<string, string>; bearer_token_env_var?: string }> };
  expect(parsed.mcp_servers, "a Codex snippet without [mcp_servers.*]").toBeDefined();
  for (const server of Object.values(parsed.mcp_servers!)) {
    if (isUrl(server.url)) into.urls.push(server.url);
    Object.assign(into.headers, server.http_headers ?? {});
    if (server.bearer_token_env_var) into.headers.Authorization = `Bearer {env:${server.bearer_token_env_var}}`;
  }
}

/** What one parsed config document says, for a JSON or TOML snippet or a file `superset connect` wrote. */
function fromDocument(client: string, lang: string, text: string): Snippet {
  const snippet: Snippet = { client, lang, text, urls: [], headers: {} };
  if (lang === "json") fromJson(JSON.parse(text), snippet);
  else fromToml(text, snippet);
  return snippet;
}

function readSnippets(): Snippet[] {
  return sectionBlocks(readFileSync(README, "utf8")).map(({ client, lang, text }) => {
    const snippet: Snippet = { client, lang, text, urls: [], headers: {} };
    if (lang === "json" || lang === "toml") return fromDocument(client, lang, text);
    if (lang === "sh") for (const line of text.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"))) fromWords(shellWords(line), snippet);
    else throw new Error(`a ${lang || "plain"} block under ${client}: the section uses json, toml and sh blocks only`);
    return snippet;
  });
}

/** The snippet's headers with the key placeholder and environment-variable references filled in with `key`. */
function filledHeaders(headers: Record<string, string>, key: string): Record<string, string> {
  const fill = (value: string) => value.replaceAll(KEY_PLACEHOLDER, key).replaceAll(`{env:${KEY_VARIABLE}}`, key).replaceAll(`\${${KEY_VARIABLE}}`, key);
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, fill(value)]));
}

/** The snippet's URL moved to the test server: same path, the server's origin. */
const onServer = (url: string, oauth: OAuthServer) => `${oauth.issuer}${new URL(url).pathname}`;
const label = (snippet: Snippet) => `${snippet.client} ${snippet.lang} snippet:\n${snippet.text}`;

describe("README: Connecting clients, read", () => {
  const snippets = readSnippets();

  test("every client has an OAuth snippet and an API-key snippet", () => {
    expect([...new Set(snippets.map((snippet) => snippet.client))].sort()).toEqual([...CLIENTS].sort());
    for (const client of CLIENTS) {
      const own = snippets.filter((snippet) => snippet.client === client);
      expect(
        own.some((snippet) => Object.keys(snippet.headers).length === 0),
        `${client}: no OAuth snippet`,
      ).toBe(true);
      expect(
        own.some((snippet) => Object.keys(snippet.headers).length > 0),
        `${client}: no API-key snippet`,
      ).toBe(true);
    }
  });

  test("each client's section starts with its superset connect line, for OAuth and for a key", () => {
    for (const client of CLIENTS) {
      const own = snippets.filter((snippet) => snippet.client === client);
      expect(own[0]!.lang, client).toBe("sh");
      expect(own[0]!.text, client).toStartWith(`superset connect ${CONNECT_IDS[client]} `);
      const connects = own.filter((snippet) => snippet.text.startsWith("superset connect "));
      expect(
        connects.some((snippet) => Object.keys(snippet.headers).length === 0),
        `${client}: no superset connect for OAuth`,
      ).toBe(true);
      expect(
        connects.some((snippet) => Object.keys(snippet.headers).length > 0),
        `${client}: no superset connect with a key`,
      ).toBe(true);
    }
  });

  test("the Gemini CLI section says OAuth completes with /mcp auth inside Gemini", () => {
    const markdown = readFileSync(README, "utf8");
    const gemini = markdown.slice(markdown.indexOf("\n### Gemini CLI\n"), markdown.indexOf("\n### opencode\n"));
    expect(gemini).toMatch(/run `\/mcp auth superset` in it/);
  });

  test("every snippet names exactly one server URL, on a path this server serves", () => {
    for (const snippet of snippets) {
      expect(snippet.urls, label(snippet)).toHaveLength(1);
      expect(MCP_PATHS as readonly string[], label(snippet)).toContain(new URL(snippet.urls[0]!).pathname);
    }
  });

  test("API keys are sent as a bearer Authorization header, with the placeholder or an environment variable", () => {
    for (const snippet of snippets.filter((s) => Object.keys(s.headers).length > 0)) {
      expect(Object.keys(snippet.headers), label(snippet)).toEqual(["Authorization"]);
      expect(snippet.headers.Authorization, label(snippet)).toMatch(new RegExp(`^Bearer (${KEY_PLACEHOLDER}|\\{env:${KEY_VARIABLE}\\})$`));
    }
  });
});

describe("README: Connecting clients, against the built binary", () => {
  const snippets = readSnippets();
  let oauth: OAuthServer;
  let key: string;

  beforeAll(async () => {
    oauth = await startOAuthServer();
    key = /sk_live_[A-Za-z0-9_-]{43}/.exec(await oauth.cli(["api-keys", "create", "--user", USERNAME, "--org", "acme", "--name", "readme"]))![0];
  });

  afterAll(async () => {
    await oauth?.stop();
  });

  test("without a credential every snippet's URL answers 401 pointing to its protected-resource metadata", async () => {
    for (const snippet of snippets) {
      const url = onServer(snippet.urls[0]!, oauth);
      const response = await mcpPing(url, {});
      expect(response.status, label(snippet)).toBe(401);
      const metadataUrl = /resource_metadata="([^"]+)"/.exec(response.headers.get("www-authenticate") ?? "")?.[1];
      expect(metadataUrl, label(snippet)).toBe(`${oauth.issuer}/.well-known/oauth-protected-resource${new URL(url).pathname}`);
      const metadata = (await (await fetch(metadataUrl!)).json()) as { resource: string; authorization_servers: string[] };
      expect(metadata.resource, label(snippet)).toBe(url);
      expect(metadata.authorization_servers).toEqual([oauth.issuer]);
    }
  });

  test("every API-key snippet's header, as written, gets in", async () => {
    for (const snippet of snippets.filter((s) => Object.keys(s.headers).length > 0)) {
      const response = await mcpPing(onServer(snippet.urls[0]!, oauth), filledHeaders(snippet.headers, key));
      expect(response.status, label(snippet)).toBe(200);
    }
  });

  test("each superset connect line, run as written, writes a file the client can use", async () => {
    for (const snippet of snippets.filter((s) => s.text.startsWith("superset connect "))) {
      const home = mkdtempSync(join(tmpdir(), "superset-readme-connect-"));
      try {
        const words = shellWords(snippet.text)
          .slice(1)
          .map((word) => (/^https?:\/\//.test(word) ? onServer(word, oauth) : word.replaceAll(KEY_PLACEHOLDER, key)));
        const result = await oauth.sandbox.run(words, { env: { HOME: home, XDG_CONFIG_HOME: join(home, ".config") } });
        expect(result.exitCode, `${label(snippet)}\n${result.stderr}`).toBe(0);
        const path = /^Added superset \(.*\) in (\/.+?)(?:; the previous file is .*)?\.$/m.exec(result.stdout)?.[1];
        expect(path, result.stdout).toBeDefined();
        const written = fromDocument(snippet.client, path!.endsWith(".toml") ? "toml" : "json", readFileSync(path!, "utf8"));
        expect(written.urls, label(snippet)).toEqual([onServer(snippet.urls[0]!, oauth)]);
        const response = await mcpPing(written.urls[0]!, written.headers);
        expect(response.status, label(snippet)).toBe(Object.keys(snippet.headers).length > 0 ? 200 : 401);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }
  });

  test("the mcp-remote bridge of the Claude Desktop snippet lists the tools with the API key", async () => {
    const bridge = snippets.find((snippet) => snippet.command?.args.includes("mcp-remote"));
    expect(bridge, "no mcp-remote snippet").toBeDefined();
    // `npx -y mcp-remote …` runs the pinned devDependency here: the arguments after the package name as written.
    const args = bridge!
      .command!.args.slice(bridge!.command!.args.indexOf("mcp-remote") + 1)
      .map((arg: string) => (/^https?:\/\//.test(arg) ? onServer(arg, oauth) : arg.replaceAll(KEY_PLACEHOLDER, key)));
    const transport = new StdioClientTransport({
      command: "node",
      args: [MCP_REMOTE, ...args],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: oauth.sandbox.root, MCP_REMOTE_CONFIG_DIR: `${oauth.sandbox.root}/mcp-auth` },
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: "superset-e2e-readme", version: "1.0.0" });
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      expect(
        tools.map((tool) => tool.name),
        stderr,
      ).toContain("tasks_list");
    } finally {
      await client.close().catch(() => {});
    }
  });
});
