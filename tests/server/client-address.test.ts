/**
 * The client address behind reverse proxies (MCP_TRUSTED_PROXIES): which X-Forwarded-For entry is
 * believed, from which peers, over real sockets (IPv4, IPv6 and IPv4-mapped peers), and that the
 * MCP rate limit, the sign-in limiter and the OAuth registration limit all count under it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { clientAddress, trustedProxyList } from "../../src/server/pipeline/client-address.ts";
import { SIGNIN_ATTEMPTS_PER_WINDOW } from "../../src/web/signin-limiter.ts";
import { REGISTRATION_RATE_LIMIT } from "../../src/oauth/register.ts";
import { clientHeaders, request } from "../helpers/app.ts";
import { withCapturedLog } from "../helpers/auth.ts";
import { listeningApp, type ListeningApp } from "../helpers/hosts.ts";
import { csrfTokenIn } from "../web/browser.ts";
import { AUTH_ON } from "../web/setup.ts";

const LOOPBACK = ["127.0.0.0/8", "::1"];

/** A server on `hostname` that answers each request with the client address it computes. */
function addressEcho(hostname: string, trusted: string[]) {
  const list = trustedProxyList(trusted);
  const server: Server<unknown> = Bun.serve({ hostname, port: 0, fetch: (req, srv) => new Response(clientAddress(req, srv, list)) });
  const base = hostname.includes(":") && !hostname.startsWith("::ffff:") ? `http://[${hostname}]:${server.port}` : `http://127.0.0.1:${server.port}`;
  return {
    addressFor: async (headers: Record<string, string> = {}) => (await fetch(base, { headers })).text(),
    stop: () => server.stop(true),
  };
}

describe("the address computed from a peer and its headers", () => {
  const trusted = [...LOOPBACK, "10.0.0.0/8", "fd00::/8"];
  const v4 = addressEcho("127.0.0.1", trusted);
  const v6 = addressEcho("::1", trusted);
  const mapped = addressEcho("::ffff:127.0.0.1", trusted);
  const untrustedPeer = addressEcho("127.0.0.1", ["10.0.0.0/8"]);
  afterAll(() => [v4, v6, mapped, untrustedPeer].forEach((echo) => echo.stop()));

  test("the right-most entry that is not a trusted proxy, skipping trusted hops, never the left-most", async () => {
    expect(await v4.addressFor({ "X-Forwarded-For": "203.0.113.7, 198.51.100.9, 10.0.0.2, 10.0.0.3" })).toBe("198.51.100.9");
    expect(await v4.addressFor({ "X-Forwarded-For": "198.51.100.9" })).toBe("198.51.100.9");
    // X-Real-IP only stands in when X-Forwarded-For names no untrusted hop.
    expect(await v4.addressFor({ "X-Forwarded-For": "203.0.113.7, 198.51.100.9", "X-Real-IP": "192.0.2.1" })).toBe("198.51.100.9");
  });

  test("an IPv6 peer and IPv6 hops", async () => {
    expect(await v6.addressFor({ "X-Forwarded-For": "2001:db8::66, 2001:db8::77, fd00::2" })).toBe("2001:db8::77");
    expect(await v6.addressFor()).toBe("::1");
  });

  test("an IPv4-mapped peer matches the IPv4 ranges, and mapped addresses count as IPv4", async () => {
    expect(await mapped.addressFor()).toBe("127.0.0.1");
    expect(await mapped.addressFor({ "X-Forwarded-For": "::ffff:198.51.100.9, ::ffff:10.0.0.2" })).toBe("198.51.100.9");
  });

  test("with every hop trusted, X-Real-IP, then the peer", async () => {
    expect(await v4.addressFor({ "X-Forwarded-For": "10.0.0.1, 127.0.0.1", "X-Real-IP": "192.0.2.1" })).toBe("192.0.2.1");
    expect(await v4.addressFor({ "X-Forwarded-For": "10.0.0.1" })).toBe("127.0.0.1");
    expect(await v4.addressFor({ "X-Real-IP": "not an address" })).toBe("127.0.0.1");
  });

  test("a hop that is no address ends the chain: nothing left of it is believed", async () => {
    expect(await v4.addressFor({ "X-Forwarded-For": "198.51.100.9, garbage, 10.0.0.2" })).toBe("127.0.0.1");
  });

  test("an untrusted peer's forwarding headers are ignored", async () => {
    expect(await untrustedPeer.addressFor({ "X-Forwarded-For": "198.51.100.9", "X-Real-IP": "192.0.2.1" })).toBe("127.0.0.1");
  });

  test("without a server (app.handle) the address is unknown", () => {
    expect(clientAddress(new Request("http://localhost/"), null, trustedProxyList(LOOPBACK))).toBe("unknown");
  });
});

/** What Nginx sends with `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`: the client's own header, then the address Nginx saw. */
const behindNginx = (clientWrote: string, seenByNginx: string) => ({ "X-Forwarded-For": `${clientWrote}, ${seenByNginx}`, "X-Real-IP": clientWrote });

describe("a client writing its own X-Forwarded-For is counted under the address Nginx saw", () => {
  let t: ListeningApp;
  beforeAll(async () => {
    t = await listeningApp({ ...AUTH_ON, MCP_API_KEYS_ENABLED: false, MCP_RATE_LIMIT: { enabled: true, requests: 3, window_seconds: 600 } });
  });
  afterAll(() => t.stop());

  test("the MCP rate limit", async () => {
    const ping = (headers: Record<string, string>) => fetch(`${t.baseUrl}/mcp`, { method: "POST", headers: clientHeaders({ headers }), body: JSON.stringify(request("ping")) });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await ping(behindNginx(`203.0.113.${i}`, "198.51.100.20"))).status);
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses[3]).toBe(429);
    expect((await ping(behindNginx("203.0.113.0", "198.51.100.21"))).status).not.toBe(429);
  });

  test("the sign-in limiter", async () => {
    const page = await fetch(`${t.baseUrl}/signin`);
    const cookie = page.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");
    const csrf = csrfTokenIn(await page.text());
    const signIn = (username: string, headers: Record<string, string>) =>
      fetch(`${t.baseUrl}/signin`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, ...headers },
        body: new URLSearchParams({ csrf_token: csrf, username, password: "wrong" }).toString(),
      });
    for (let i = 0; i < SIGNIN_ATTEMPTS_PER_WINDOW; i++) expect((await signIn(`guess-${i}`, behindNginx(`203.0.113.${i}`, "198.51.100.30"))).status).toBe(401);
    expect((await signIn("guess-last", behindNginx("203.0.113.99", "198.51.100.30"))).status).toBe(429);
    expect((await signIn("guess-other", behindNginx("203.0.113.99", "198.51.100.31"))).status).toBe(401);
  });

  test("the OAuth registration limit", async () => {
    const register = (headers: Record<string, string>) => fetch(`${t.baseUrl}/oauth/register`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: "{}" });
    // Each refused registration is logged; captured here to keep the test output readable.
    await withCapturedLog(async () => {
      for (let i = 0; i < REGISTRATION_RATE_LIMIT.requests; i++) expect((await register(behindNginx(`203.0.113.${i}`, "198.51.100.40"))).status).toBe(400);
      expect((await register(behindNginx("203.0.113.250", "198.51.100.40"))).status).toBe(429);
      expect((await register(behindNginx("203.0.113.250", "198.51.100.41"))).status).toBe(400);
    });
  });
});

describe("a peer outside MCP_TRUSTED_PROXIES", () => {
  test("is counted under its own address whatever headers it sends", async () => {
    const t = await listeningApp({ MCP_TRUSTED_PROXIES: ["10.0.0.0/8"], MCP_RATE_LIMIT: { enabled: true, requests: 2, window_seconds: 600 } });
    try {
      const ping = (headers: Record<string, string>) => fetch(`${t.baseUrl}/mcp`, { method: "POST", headers: clientHeaders({ headers }), body: JSON.stringify(request("ping")) });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await ping({ "X-Forwarded-For": `198.51.100.${i}`, "X-Real-IP": `192.0.2.${i}` })).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await t.stop();
    }
  });
});
