/**
 * Real nginx in front of the built binary, running the shipped site config
 * (scripts/deploy/nginx.conf) with only what a test must change: loopback listen ports, the
 * upstream's port (or several replicas' ports), the server name and the certificate paths. A throwaway CA signs the site's
 * certificate, so clients trust it the way they trust a real one (NODE_EXTRA_CA_CERTS, tls.ca).
 * Nothing under /etc/nginx is read or written except mime.types.
 */
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { acceptsConnections } from "./binary.ts";
import { eventually } from "./eventually.ts";

export const NGINX = "/usr/sbin/nginx";
export const SITE_CONFIG = resolve(import.meta.dir, "../../scripts/deploy/nginx.conf");
/** The public name the tests use: not a loopback name, as a real one is not, and Bun resolves *.localhost to 127.0.0.1. */
export const PUBLIC_NAME = "superset.localhost";
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** A CA and the certificate it signed for PUBLIC_NAME, localhost and 127.0.0.1, in `dir`. */
export interface TestCertificates {
  dir: string;
  /** The CA certificate (PEM file): what clients are told to trust. */
  caPath: string;
  /** Its PEM text, for fetch's and WebSocket's `tls.ca`. */
  ca: string;
  certPath: string;
  keyPath: string;
  /** Deletes `dir`. */
  remove(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const child = Bun.spawn(["openssl", ...args], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [exitCode, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  if (exitCode !== 0) throw new Error(`openssl ${args.join(" ")} exited ${exitCode}:\n${stderr}`);
}

/** Makes a P-256 CA valid for a day and a server certificate it signed (`openssl` on PATH). */
export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "superset-tls-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await openssl(["req", "-x509", ...ec, "-days", "1", "-subj", "/CN=Superset test CA", "-keyout", "ca.key", "-out", "ca.pem"], dir);
  await openssl(["req", ...ec, "-subj", `/CN=${PUBLIC_NAME}`, "-keyout", "server.key", "-out", "server.csr"], dir);
  await Bun.write(join(dir, "server.ext"), `subjectAltName = DNS:${PUBLIC_NAME}, DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n`);
  await openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", "server.ext", "-out", "server.pem"], dir);
  const caPath = join(dir, "ca.pem");
  return { dir, caPath, ca: await Bun.file(caPath).text(), certPath: join(dir, "server.pem"), keyPath: join(dir, "server.key"), remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface SiteValues {
  httpsPort: number;
  httpPort: number;
  /** The server's port, or the ports of several replicas (one `server` line each, round-robin). */
  upstreamPort: number | readonly number[];
  /** Adds `X-Superset-Upstream: $upstream_addr` to every answer, so a test sees which replica served it. */
  revealUpstream?: boolean;
  certPath: string;
  keyPath: string;
  acmeRoot: string;
}

/** `pattern` replaced by `replacement` in `text`; throws unless it matched exactly `count` times, so a changed shipped file fails loudly. */
function replaceExactly(text: string, pattern: RegExp, replacement: string, count: number): string {
  const found = text.match(pattern)?.length ?? 0;
  if (found !== count) throw new Error(`${SITE_CONFIG}: expected ${count} match(es) of ${pattern}, found ${found}`);
  return text.replace(pattern, replacement);
}

/** The shipped site config with loopback ports, the test upstream, server name and certificate; nothing else changes. */
export function testSiteConfig(shipped: string, values: SiteValues): string {
  let site = shipped;
  // IPv6 may be missing in a container; the IPv4 listeners stay, on loopback only.
  site = replaceExactly(site, /^\s*listen \[::\]:(?:80|443)\b.*\n/gm, "", 2);
  site = replaceExactly(site, /listen 443 ssl http2;/g, `listen 127.0.0.1:${values.httpsPort} ssl http2;`, 1);
  site = replaceExactly(site, /listen 80;/g, `listen 127.0.0.1:${values.httpPort};`, 1);
  const upstreams = typeof values.upstreamPort === "number" ? [values.upstreamPort] : values.upstreamPort;
  site = replaceExactly(site, /server 127\.0\.0\.1:5008;/g, upstreams.map((port) => `server 127.0.0.1:${port};`).join("\n    "), 1);
  if (values.revealUpstream) site = replaceExactly(site, /^(\s*)(add_header Strict-Transport-Security .*)$/gm, `$1$2\n$1add_header X-Superset-Upstream $upstream_addr always;`, 1);
  site = replaceExactly(site, /ssl_certificate \S+;/g, `ssl_certificate ${values.certPath};`, 1);
  site = replaceExactly(site, /ssl_certificate_key \S+;/g, `ssl_certificate_key ${values.keyPath};`, 1);
  site = replaceExactly(site, /root \/var\/www\/letsencrypt;/g, `root ${values.acmeRoot};`, 1);
  return replaceExactly(site, /server_name superset\.example\.com;/g, `server_name ${PUBLIC_NAME};`, 2);
}

/**
 * The main config around the site, as Debian's /etc/nginx/nginx.conf has it (mime types, gzip on,
 * its http-level ssl_protocols, which the site overrides) with every path in `root`.
 */
function mainConfig(root: string): string {
  return `worker_processes 1;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    gzip on;
    access_log ${root}/access.log;
    client_body_temp_path ${root}/temp/body;
    proxy_temp_path ${root}/temp/proxy;
    fastcgi_temp_path ${root}/temp/fastcgi;
    uwsgi_temp_path ${root}/temp/uwsgi;
    scgi_temp_path ${root}/temp/scgi;
    include ${root}/superset.conf;
}
`;
}

/** A running nginx: its https base URL (PUBLIC_NAME and its port), its plain-HTTP port, its logs. */
export interface RunningNginx {
  /** e.g. https://superset.localhost:41234, what MCP_SERVICE_URL says. */
  url: string;
  httpsPort: number;
  httpPort: number;
  root: string;
  /** The exact command line nginx runs with. */
  command: string[];
  errorLog(): Promise<string>;
  /** SIGQUIT (graceful), SIGKILL after 5 s; then deletes its directory. */
  stop(): Promise<void>;
}

/** The ports nginx will listen on, chosen before the server starts, since MCP_SERVICE_URL names them. */
export interface NginxPorts {
  httpsPort: number;
  httpPort: number;
}

/** Writes the configs to a temp dir, checks them with `nginx -t`, starts nginx and waits until its https port accepts connections. */
export async function startNginx(options: NginxPorts & Pick<SiteValues, "upstreamPort" | "revealUpstream"> & { certificates: TestCertificates }): Promise<RunningNginx> {
  const root = await mkdtemp(join(tmpdir(), "superset-nginx-"));
  // Run as root, nginx's workers are "nobody" and must reach the temp dirs nginx makes for them.
  await chmod(root, 0o711);
  const { httpsPort, httpPort, certificates } = options;
  const site = testSiteConfig(await Bun.file(SITE_CONFIG).text(), {
    httpsPort,
    httpPort,
    upstreamPort: options.upstreamPort,
    revealUpstream: options.revealUpstream,
    certPath: certificates.certPath,
    keyPath: certificates.keyPath,
    acmeRoot: join(root, "acme"),
  });
  await Bun.write(join(root, "superset.conf"), site);
  await Bun.write(join(root, "nginx.conf"), mainConfig(root));
  await Bun.write(join(root, "temp/.keep"), "");
  const errorLogPath = join(root, "error.log");
  const base = [NGINX, "-p", root, "-e", errorLogPath, "-c", join(root, "nginx.conf")];
  const globals = `daemon off; master_process on; pid ${join(root, "nginx.pid")}; error_log ${errorLogPath} notice;`;

  const check = Bun.spawnSync([...base, "-t", "-g", globals], { stdout: "pipe", stderr: "pipe" });
  if (check.exitCode !== 0) {
    await rm(root, { recursive: true, force: true });
    throw new Error(`nginx -t refused the config:\n${check.stderr.toString()}`);
  }

  const command = [...base, "-g", globals];
  const child = Bun.spawn(command, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const stderr = new Response(child.stderr).text();
  const errorLog = async () => (existsSync(errorLogPath) ? await Bun.file(errorLogPath).text() : "");
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGQUIT");
      const killer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await child.exited;
      clearTimeout(killer);
    }
    await rm(root, { recursive: true, force: true });
  };

  try {
    await eventually(
      `nginx to listen on 127.0.0.1:${httpsPort}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}:\n${await stderr}${await errorLog()}`);
        return acceptsConnections(httpsPort);
      },
      READY_TIMEOUT_MS,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `https://${PUBLIC_NAME}:${httpsPort}`, httpsPort, httpPort, root, command, errorLog, stop };
}
