/**
 * Limits that invented credentials cannot get around, on the whole app: the MCP rate limit counts
 * a token that does not verify under the client address before checking it, so 300 fake tokens
 * meet 429s like 300 anonymous requests; a key that verified earlier keeps its own bucket
 * meanwhile. OAuth registration and the token endpoint count per address whatever credential a
 * request carries, and a refused registration stores no client.
 */
import { describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { REGISTRATION_RATE_LIMIT } from "../../src/oauth/register.ts";
import { TOKEN_RATE_LIMIT } from "../../src/oauth/token.ts";
import { request, rpc } from "../helpers/app.ts";
import { bearer } from "../helpers/auth.ts";
import { createOAuthApp, form, ISSUER } from "../helpers/oauth-app.ts";

const LIMIT = 100;

const ping = (app: Parameters<typeof rpc>[0], headers: Record<string, string>) => rpc(app, request("ping"), { headers });
const countStatuses = (statuses: number[]) => statuses.reduce<Record<number, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

describe("the MCP rate limit", () => {
  test("300 requests, each with a fresh invented token, are limited like anonymous ones; a key verified before keeps working", async () => {
    const t = await createOAuthApp({ MCP_RATE_LIMIT: { enabled: true, requests: LIMIT, window_seconds: 60 } });
    const { key } = await t.services.apiKeys.create({ user: "alice", organization: "acme" });
    expect((await ping(t.app, bearer(key))).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) statuses.push((await ping(t.app, bearer(`sk_live_${crypto.randomUUID().replaceAll("-", "")}`))).status);
    // app.handle has no socket: every request comes from one (unknown) address, which the key's first request also used.
    expect(countStatuses(statuses)).toEqual({ 401: LIMIT - 1, 429: 300 - LIMIT + 1 });
    expect((await ping(t.app, {})).status).toBe(429);
    const known = await ping(t.app, bearer(key));
    expect(known.status).toBe(200);
    expect(Number(known.headers.get("ratelimit-remaining"))).toBe(LIMIT - 1);
  });
});

describe("OAuth", () => {
  test("40 registrations, each with a fresh invented bearer token, meet 429 past the per-address limit and store no more clients", async () => {
    const t = await createOAuthApp();
    const clients = async () => (await t.db.orm.all<{ n: number }>(sql`SELECT count(*) AS n FROM oauth_clients`))[0]!.n;
    const before = await clients();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const response = await t.app.handle(
        new Request(`${ISSUER}/oauth/register`, {
          method: "POST",
          headers: { "Content-Type": "application/json", ...bearer(crypto.randomUUID()) },
          body: JSON.stringify({ redirect_uris: ["https://a.example/cb"] }),
        }),
      );
      statuses.push(response.status);
    }
    expect(countStatuses(statuses)).toEqual({ 201: REGISTRATION_RATE_LIMIT.requests, 429: 40 - REGISTRATION_RATE_LIMIT.requests });
    expect(await clients()).toBe(before + REGISTRATION_RATE_LIMIT.requests);
  });

  test("token and revocation requests are limited per address before the client is authenticated", async () => {
    const t = await createOAuthApp();
    for (const path of ["/oauth/token", "/oauth/revoke"]) {
      const statuses: number[] = [];
      for (let i = 0; i <= TOKEN_RATE_LIMIT.requests; i++) {
        const response = await t.app.handle(
          new Request(`${ISSUER}${path}`, form({ grant_type: "authorization_code", code: crypto.randomUUID(), code_verifier: "v".repeat(43), client_id: crypto.randomUUID(), token: "x" })),
        );
        statuses.push(response.status);
      }
      expect(`${path}: ${statuses.at(-1)}`).toBe(`${path}: 429`);
      expect(statuses.slice(0, -1).every((status) => status === 400 || status === 401)).toBe(true);
    }
  });
});
