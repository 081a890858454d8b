/**
 * The built binary as an OAuth 2.1 authorization server, and a scripted browser that goes through
 * its pages the way a person does: follow the authorize redirect to /signin, sign in with a
 * username and password, pick an organization on the consent page and approve it by POSTing the
 * form with its csrf_token, and hand back the redirect to the client with the code.
 *
 * Run as a program (`bun tests/helpers/oauth.ts <url>`), this file is the fake browser that
 * `mcp-remote` opens through `xdg-open`/$BROWSER: it signs in with SUPERSET_E2E_USERNAME and
 * SUPERSET_E2E_PASSWORD, approves for SUPERSET_E2E_ORGANIZATION_ID and then GETs the client's
 * localhost callback, as a browser following the redirect would.
 */
import { appendFileSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import { createSandbox, freePort, type RunningServer, type Sandbox } from "./binary.ts";

export const PASSWORD = "correct horse battery staple";
export const USERNAME = "alice";

/** The sandbox, its running server with MCP_AUTH_ENABLED (and so the OAuth server), and who can sign in. */
export interface OAuthServer {
  sandbox: Sandbox;
  server: RunningServer;
  /** The issuer and public base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  issuer: string;
  /** The MCP endpoint, `${issuer}/mcp`. */
  mcpUrl: string;
  /** Organization ids by slug: alice is a member of both. */
  organizations: { acme: string; globex: string };
  /** Runs `superset <args> --config <the server's config>` and returns its stdout; throws on a non-zero exit. */
  cli(args: string[], stdin?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A fresh sandbox with the organizations acme and globex, the user alice (with PASSWORD) a member
 * of both, and the binary serving with MCP_AUTH_ENABLED, a SECRET_KEY made here, and its public
 * URL fixed so the issuer is known before it starts. `config` is written over that.
 */
export async function startOAuthServer(config: Record<string, unknown> = {}): Promise<OAuthServer> {
  const sandbox = await createSandbox();
  const port = freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const serverConfig = {
    ...sandbox.baseConfig(),
    MCP_SERVICE_PORT: port,
    MCP_SERVICE_URL: issuer,
    MCP_AUTH_ENABLED: true,
    MCP_DEV_USERNAME: undefined,
    SECRET_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url"),
    ...config,
  };
  const configPath = await sandbox.writeConfig(serverConfig, "oauth-server.ts");

  async function cli(args: string[], stdin?: string): Promise<string> {
    const child = Bun.spawn([sandbox.binary, ...args, "--config", configPath], {
      cwd: sandbox.cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: sandbox.root, NO_COLOR: "1" },
      stdin: stdin === undefined ? "ignore" : new Blob([stdin]),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [exitCode, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
    if (exitCode !== 0) throw new Error(`superset ${args.join(" ")} exited ${exitCode}:\n${stderr}${stdout}`);
    return stdout;
  }

  const organizationId = async (slug: string, name: string) => /id ([0-9a-f-]{36})/.exec(await cli(["orgs", "create", slug, "--name", name]))![1]!;
  const organizations = { acme: await organizationId("acme", "Acme"), globex: await organizationId("globex", "Globex") };
  await cli(["users", "create", USERNAME, "--name", "Alice Example", "--password-stdin", "--org", "acme", "--role", "member"], `${PASSWORD}\n`);
  await cli(["users", "add-to-org", USERNAME, "--org", "globex", "--role", "admin"]);

  const server = await sandbox.start({ config: serverConfig });
  return { sandbox, server, issuer, mcpUrl: `${issuer}/mcp`, organizations, cli, stop: () => sandbox.dispose() };
}

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const challenge = new Bun.CryptoHasher("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

/** Registers a client (RFC 7591) and returns the server's answer; fails the caller on a non-201. */
export async function registerClient(issuer: string, metadata: Record<string, unknown>): Promise<{ client_id: string; client_secret?: string; [key: string]: unknown }> {
  const response = await fetch(`${issuer}/oauth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "superset-e2e", token_endpoint_auth_method: "none", ...metadata }),
  });
  const body = await response.text();
  if (response.status !== 201) throw new Error(`POST /oauth/register answered ${response.status}: ${body}`);
  return JSON.parse(body);
}

/** POSTs a form to the token endpoint; the answer's status, headers and JSON body. */
export async function tokenRequest(issuer: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${issuer}/oauth/token`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(params) });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    body = { unparsed: text };
  }
  return { status: response.status, headers: response.headers, body };
}

/** The authorize URL of a client for the MCP endpoint, with a fresh state and the given challenge. */
export function authorizeUrl(issuer: string, params: Record<string, string>): string {
  return `${issuer}/oauth/authorize?${new URLSearchParams({ response_type: "code", code_challenge_method: "S256", scope: "mcp:read mcp:write", resource: `${issuer}/mcp`, state: crypto.randomUUID(), ...params })}`;
}

/** A JSON-RPC ping to an MCP URL with the given headers. */
export function mcpPing(url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
}

/** One control of an HTML form as the server sent it. */
export interface FormField {
  name: string;
  value: string;
  type: string;
  checked: boolean;
}

/** An HTML form of a page: where it goes and its named controls in document order. */
export interface HtmlForm {
  action: string;
  method: string;
  fields: FormField[];
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** An attribute's text with its character references decoded (HTMLRewriter hands attributes over raw). */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === "#") return String.fromCodePoint(ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** Every form of an HTML page, read with Bun's HTMLRewriter (inputs, buttons, selects with their options). */
export async function parseForms(html: string): Promise<HtmlForm[]> {
  const forms: HtmlForm[] = [];
  let select: FormField | null = null;
  const current = () => forms.at(-1);
  const attribute = (el: HTMLRewriterTypes.Element, name: string) => {
    const value = el.getAttribute(name);
    return value === null ? null : decodeEntities(value);
  };
  const rewriter = new HTMLRewriter()
    .on("form", { element: (el) => void forms.push({ action: attribute(el, "action") ?? "", method: (attribute(el, "method") ?? "get").toLowerCase(), fields: [] }) })
    .on("input, button", {
      element(el) {
        const name = attribute(el, "name");
        if (!name || !current()) return;
        const type = (attribute(el, "type") ?? (el.tagName === "button" ? "submit" : "text")).toLowerCase();
        current()!.fields.push({ name, value: attribute(el, "value") ?? "", type, checked: el.hasAttribute("checked") });
      },
    })
    .on("textarea", { element: (el) => void (attribute(el, "name") && current()?.fields.push({ name: attribute(el, "name")!, value: "", type: "textarea", checked: false })) })
    .on("select", {
      element(el) {
        const name = attribute(el, "name");
        select = name && current() ? { name, value: "", type: "select", checked: false } : null;
        if (select) current()!.fields.push(select);
      },
    })
    .on("option", {
      element(el) {
        if (!select) return;
        const value = attribute(el, "value") ?? "";
        if (select.value === "" || el.hasAttribute("selected")) select.value = value;
        (select as FormField & { options?: string[] }).options = [...((select as FormField & { options?: string[] }).options ?? []), value];
      },
    });
  await rewriter.transform(new Response(html)).text();
  return forms;
}

/**
 * The values a browser submits for `form` when `button` (a submit control's name=value, or the
 * first submit button) is pressed, with `values` typed in / chosen over the defaults.
 */
export function formValues(form: HtmlForm, values: Record<string, string> = {}, button?: { name: string; value: string }): Record<string, string> {
  const result: Record<string, string> = {};
  for (const field of form.fields) {
    if (field.type === "submit" || field.type === "button" || field.type === "image") continue;
    if ((field.type === "radio" || field.type === "checkbox") && !field.checked) continue;
    result[field.name] ??= field.value;
  }
  Object.assign(result, values);
  const submit = button ?? form.fields.find((field) => field.type === "submit");
  if (submit && submit.name) result[submit.name] = submit.value;
  return result;
}

/** What a browser step received. */
export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

/** How the scripted sign-in ended: the redirect off this site to the client, with the pages on the way. */
export interface AuthorizationOutcome {
  /** The Location of the server's redirect to the client's redirect URI (with code, state and iss, or an error). */
  location: string;
  /** The consent page as it was shown. */
  consent: Page;
}

/**
 * A browser without JavaScript: a cookie jar for one server, redirects followed within that
 * server and stopped at the first one that leaves it, forms submitted as urlencoded POSTs.
 */
export class ScriptedBrowser {
  readonly cookies = new Map<string, string>();
  constructor(readonly origin: string) {}

  private cookieHeader(): Record<string, string> {
    return this.cookies.size ? { Cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ") } : {};
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const cookie = Bun.Cookie.parse(line);
      if (cookie.maxAge !== undefined && cookie.maxAge <= 0) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }

  /** One request, no redirect followed; cookies sent and remembered. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(new URL(url, this.origin), { ...init, redirect: "manual", headers: { ...this.cookieHeader(), ...(init.headers as Record<string, string> | undefined) } });
    this.remember(response);
    return response;
  }

  /**
   * GETs `url` (or POSTs `form`) and follows redirects while they stay on this server. Returns the
   * page it ended on, or `{ location }` for a redirect that leaves the server.
   */
  async go(url: string, form?: Record<string, string>): Promise<Page | { location: string; status: number }> {
    let response = await this.fetch(url, form ? { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: this.origin }, body: new URLSearchParams(form) } : {});
    let current = new URL(url, this.origin).href;
    for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
      if (hops > 10) throw new Error(`more than 10 redirects from ${url}`);
      const location = new URL(response.headers.get("location") ?? "", current).href;
      if (new URL(location).origin !== this.origin) return { location, status: response.status };
      current = location;
      response = await this.fetch(location);
    }
    return { url: current, status: response.status, html: await response.text(), headers: response.headers };
  }

  /** Signs in on /signin with the username and password; returns the page `next` led to. */
  async signIn(username: string, password: string, next = "/settings/api-keys"): Promise<Page | { location: string; status: number }> {
    const page = await this.go(`/signin?${new URLSearchParams({ next })}`);
    if (!("html" in page)) throw new Error(`GET /signin redirected off the server to ${page.location}`);
    return this.submitSignIn(page, username, password);
  }

  /** Fills the sign-in form on `page` and submits it. */
  async submitSignIn(page: Page, username: string, password: string): Promise<Page | { location: string; status: number }> {
    const form = (await parseForms(page.html)).find((candidate) => candidate.fields.some((field) => field.type === "password"));
    if (!form) throw new Error(`no sign-in form on ${page.url} (status ${page.status}):\n${page.html.slice(0, 2000)}`);
    return this.go(new URL(form.action || page.url, page.url).href, formValues(form, { username, password }));
  }

  /**
   * From an authorize URL to the redirect back to the client: signs in when the server asks,
   * chooses `organizationId` on the consent page (when it offers a choice) and presses
   * `decision`. Fails when a step shows something else than the next expected page.
   */
  async authorize(url: string, options: { username?: string; password?: string; organizationId?: string; decision?: "approve" | "deny" } = {}): Promise<AuthorizationOutcome> {
    const { username = USERNAME, password = PASSWORD, organizationId, decision = "approve" } = options;
    let page = await this.go(url);
    if ("location" in page) throw new Error(`GET ${url} redirected off the server at once, to ${page.location}`);
    if ((await parseForms(page.html)).some((form) => form.fields.some((field) => field.type === "password"))) {
      const next = await this.submitSignIn(page, username, password);
      if ("location" in next) throw new Error(`signing in redirected off the server to ${next.location}`);
      page = next;
    }
    const consent = page;
    const form = (await consentForm(consent)) ?? failWith(`no consent form on ${consent.url} (status ${consent.status}):\n${consent.html.slice(0, 3000)}`);
    const chosen: Record<string, string> = {};
    if (organizationId) {
      const control = form.fields.find((field) => field.name === "organization_id");
      if (control) chosen.organization_id = organizationId;
    }
    const answer = await this.go(new URL(form.action, consent.url).href, formValues(form, chosen, { name: "decision", value: decision }));
    if (!("location" in answer)) throw new Error(`the consent POST did not redirect to the client; it showed ${answer.url} (status ${answer.status}):\n${answer.html.slice(0, 2000)}`);
    return { location: answer.location, consent };
  }
}

/** The consent form of a page: the one that posts to /oauth/authorize. */
export async function consentForm(page: Page): Promise<HtmlForm | undefined> {
  return (await parseForms(page.html)).find((form) => form.method === "post" && new URL(form.action || page.url, page.url).pathname === "/oauth/authorize");
}

function failWith(message: string): never {
  throw new Error(message);
}

/** The code and the other parameters of a redirect back to the client; throws when it carries an error. */
export function codeFrom(location: string): { code: string; state: string | null; iss: string | null } {
  const url = new URL(location);
  const code = url.searchParams.get("code");
  if (!code) throw new Error(`no code in the redirect to the client: ${location}`);
  return { code, state: url.searchParams.get("state"), iss: url.searchParams.get("iss") };
}

/**
 * Writes an executable `xdg-open` into `dir` (to put first on PATH, and to name in $BROWSER) that
 * runs this file as the fake browser. What it does is logged to `logFile`.
 */
export async function writeFakeBrowser(dir: string, logFile: string): Promise<string> {
  const path = join(dir, "xdg-open");
  const script = `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(import.meta.path)} "$@" >>${JSON.stringify(logFile)} 2>&1\n`;
  await Bun.write(path, script);
  await chmod(path, 0o755);
  return path;
}

/** The fake browser: signs in, approves and follows the redirect to the client's callback. */
async function runFakeBrowser(url: string): Promise<void> {
  const logFile = process.env.SUPERSET_E2E_BROWSER_LOG;
  const note = (line: string) => (logFile ? appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`) : console.log(line));
  note(`opened ${url}`);
  const browser = new ScriptedBrowser(new URL(url).origin);
  const { location } = await browser.authorize(url, {
    username: process.env.SUPERSET_E2E_USERNAME,
    password: process.env.SUPERSET_E2E_PASSWORD,
    organizationId: process.env.SUPERSET_E2E_ORGANIZATION_ID,
  });
  note(`redirected to ${location.replace(/code=[^&]+/, "code=…")}`);
  const callback = await fetch(location);
  note(`callback answered ${callback.status}: ${(await callback.text()).slice(0, 200)}`);
}

if (import.meta.main) {
  const url = process.argv.slice(2).find((arg) => /^https?:\/\//.test(arg));
  if (!url) {
    console.error("usage: oauth.ts <authorization URL>");
    process.exit(2);
  }
  runFakeBrowser(url).then(
    () => process.exit(0),
    (error) => {
      console.error(`fake browser failed: ${error instanceof Error ? error.stack : error}`);
      process.exit(1);
    },
  );
}
