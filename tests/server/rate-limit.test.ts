/** The rate-limit plugin (auth.md §Pipeline step 2) on a small app, driven through `app.handle` with a hand-moved clock. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { trustedProxyList } from "../../src/server/pipeline/client-address.ts";
import { rateLimit, type RateLimitOptions } from "../../src/server/pipeline/rate-limit.ts";
import { createVerifiedCredentials } from "../../src/server/pipeline/verified-credentials.ts";
import { createMemoryStore } from "../../src/store/memory.ts";

const WINDOW_SECONDS = 60;
/** The start of a fixed window, so that offsets in the tests are offsets into that window. */
const WINDOW_START_MS = 1_000 * WINDOW_SECONDS * 1_000;

function manualClock() {
  let nowMs = WINDOW_START_MS;
  return { now: () => nowMs, at: (secondsAfterStart: number) => void (nowMs = WINDOW_START_MS + secondsAfterStart * 1000) };
}

/**
 * An app whose /limited routes use the plugin, beside an unlimited route. A later hook stands for
 * authentication: it refuses a request with `x-refuse` and accepts the credential of any other.
 */
function limitedApp(options: Partial<RateLimitOptions> = {}) {
  const clock = manualClock();
  const store = createMemoryStore({ maxEntries: 1000 });
  const verifiedCredentials = createVerifiedCredentials(store);
  const limited = new Elysia()
    .use(rateLimit({ enabled: true, requests: 4, windowSeconds: WINDOW_SECONDS, store, now: clock.now, trustedProxies: trustedProxyList(["127.0.0.0/8", "::1"]), verifiedCredentials, ...options }))
    .onBeforeHandle({ as: "scoped" }, async function authenticateStandIn({ request }) {
      if (request.headers.has("x-refuse")) return new Response("refused", { status: 401, headers: { "WWW-Authenticate": "Bearer" } });
      await verifiedCredentials.verified(request);
    })
    .get("/limited", () => "ok")
    .post("/limited", () => new Response(JSON.stringify({ ok: true }), { headers: { "Content-Type": "application/json" } }));
  const app = new Elysia().use(limited).get("/unlimited", () => "ok");
  /** Marks the credential in `headers` as verified, as an earlier accepted request would have. */
  const trust = async (headers: Record<string, string>) => {
    const earlier = new Request("http://localhost/limited", { headers });
    await verifiedCredentials.knownCredential(earlier);
    await verifiedCredentials.verified(earlier);
  };
  return { app, clock, trust };
}

type App = ReturnType<typeof limitedApp>["app"];

function hit(app: App, headers: Record<string, string> = {}, path = "/limited", method = "GET"): Promise<Response> {
  return app.handle(new Request(`http://localhost${path}`, { method, headers }));
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function rateLimitHeaders(response: Response) {
  return {
    limit: response.headers.get("ratelimit-limit"),
    remaining: response.headers.get("ratelimit-remaining"),
    reset: response.headers.get("ratelimit-reset"),
    policy: response.headers.get("ratelimit-policy"),
  };
}

async function hitTimes(app: App, times: number, headers: Record<string, string> = {}): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await hit(app, headers)).status);
  return statuses;
}

describe("rate limit headers and counts", () => {
  test("each answer carries the limit, what remains, the reset and the policy", async () => {
    const { app, clock, trust } = limitedApp();
    await trust({ "X-API-Key": "sk_live_other" });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await hit(app);
      expect(response.status).toBe(200);
      remaining.push(rateLimitHeaders(response).remaining);
    }
    expect(remaining).toEqual(["3", "2", "1", "0"]);
    clock.at(15);
    const response = await hit(app, { "X-API-Key": "sk_live_other" });
    expect(rateLimitHeaders(response)).toEqual({ limit: "4", remaining: "3", reset: "45", policy: "4;w=60" });
  });

  test("an answer a later hook returns as a Response keeps its own headers and gains the rate-limit ones", async () => {
    const { app } = limitedApp();
    const refused = await hit(app, { "x-refuse": "1" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe("Bearer");
    expect(rateLimitHeaders(refused)).toEqual({ limit: "4", remaining: "3", reset: "60", policy: "4;w=60" });
    const posted = await hit(app, {}, "/limited", "POST");
    expect(posted.headers.get("content-type")).toBe("application/json");
    expect(posted.headers.get("ratelimit-remaining")).toBe("2");
  });

  test("routes outside the plugin's scope are neither counted nor given headers", async () => {
    const { app } = limitedApp();
    const outside = await hit(app, {}, "/unlimited");
    expect(outside.headers.get("ratelimit-limit")).toBeNull();
    expect(rateLimitHeaders(await hit(app)).remaining).toBe("3");
  });

  test("enabled: false adds no hook and no header", async () => {
    const { app } = limitedApp({ enabled: false, requests: 1 });
    const statuses = await hitTimes(app, 3);
    expect(statuses).toEqual([200, 200, 200]);
    const response = await hit(app);
    expect(response.headers.get("ratelimit-limit")).toBeNull();
    expect(response.headers.get("ratelimit-policy")).toBeNull();
  });
});

describe("over the limit", () => {
  test("429 with Retry-After and a RATE_LIMITED body that says what to do", async () => {
    const { app, trust } = limitedApp();
    await trust(bearer("tok"));
    expect(await hitTimes(app, 4, bearer("tok"))).toEqual([200, 200, 200, 200]);
    const response = await hit(app, bearer("tok"));
    expect(response.status).toBe(429);
    expect(response.headers.get("content-type")).toBe("application/json");
    // 5 counted in this window: the next window must have faded them to 3 before one more fits (60 s + 0.4 × 60 s).
    expect(response.headers.get("retry-after")).toBe("84");
    expect(rateLimitHeaders(response)).toEqual({ limit: "4", remaining: "0", reset: "84", policy: "4;w=60" });
    const body = (await response.json()) as { error: { code: string; message: string; hint: string } };
    expect(body.error.code).toBe("RATE_LIMITED");
    expect(body.error.message).toContain("4 requests per 60 seconds");
    expect(body.error.hint).toContain("Wait 84 seconds");
  });
});

describe("the sliding window", () => {
  /** Four requests at the window start, then two 15 s into the next window (the second refused). */
  async function fillThenSlide({ app, clock, trust }: ReturnType<typeof limitedApp>, headers: Record<string, string>): Promise<Response> {
    await trust(headers);
    clock.at(0);
    expect(await hitTimes(app, 4, headers)).toEqual([200, 200, 200, 200]);
    clock.at(75);
    // 45 of the sliding window's 60 s lie in the previous window: 4 × 0.75 = 3 counted, room for one.
    const allowed = await hit(app, headers);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("ratelimit-remaining")).toBe("0");
    return hit(app, headers);
  }

  test("the previous window's count fades as the window slides, and Retry-After is exact", async () => {
    const limited = limitedApp();
    const { app, clock } = limited;
    const refused = await fillThenSlide(limited, bearer("slide"));
    expect(refused.status).toBe(429);
    // 4 × (1 - f) + 2 + 1 ≤ 4 once f ≥ 0.75, at 45 s into the window: 30 s from now.
    expect(refused.headers.get("retry-after")).toBe("30");
    clock.at(105);
    expect((await hit(app, bearer("slide"))).status).toBe(200);
  });

  test("a second before Retry-After the request is still refused", async () => {
    const limited = limitedApp();
    const { app, clock } = limited;
    await fillThenSlide(limited, bearer("early"));
    clock.at(104);
    expect((await hit(app, bearer("early"))).status).toBe(429);
  });

  test("after two quiet windows the whole quota is back", async () => {
    const limited = limitedApp();
    const { app, clock } = limited;
    await fillThenSlide(limited, bearer("quiet"));
    clock.at(180);
    const response = await hit(app, bearer("quiet"));
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-remaining")).toBe("3");
  });
});

describe("buckets", () => {
  test("a verified credential has its own bucket, whatever header carries it; its first request counts under the address", async () => {
    const { app } = limitedApp();
    // The first request counts under the address (the token is not known yet), the next four under the token.
    expect(await hitTimes(app, 6, bearer("alice"))).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await hit(app, bearer("bob"))).status).toBe(200);
    expect((await hit(app, { "X-API-Key": "carol" })).status).toBe(200);
    expect((await hit(app)).headers.get("ratelimit-remaining")).toBe("0");
  });

  test("the Bearer scheme is case-insensitive: Bearer X, bearer X and BEARER X share one bucket", async () => {
    const { app } = limitedApp();
    await hit(app, { Authorization: "Bearer same" });
    await hit(app, { Authorization: "Bearer same" });
    await hit(app, { Authorization: "bearer same" });
    await hit(app, { Authorization: "BEARER same" });
    expect((await hit(app, { "X-API-Key": "same" })).headers.get("ratelimit-remaining")).toBe("0");
  });

  test("a credential that never verifies counts under the address, before it is checked: a fresh invented token per request is limited", async () => {
    const { app } = limitedApp();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await hit(app, { ...bearer(`invented-${i}`), "x-refuse": "1" })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    // The same address without a credential is in that bucket too.
    expect((await hit(app)).status).toBe(429);
  });

  test("without verifiedCredentials every request counts under the address, whatever credential it carries", async () => {
    const { app } = limitedApp({ verifiedCredentials: undefined });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await hit(app, bearer(`token-${i}`))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  test("the query string is never a key: a token there counts against the address", async () => {
    const { app } = limitedApp();
    await hit(app, {}, "/limited?access_token=one");
    await hit(app, {}, "/limited?api_key=two");
    expect((await hit(app, {}, "/limited?token=three")).headers.get("ratelimit-remaining")).toBe("1");
  });
});

describe("client addresses", () => {
  describe("on a listening server", () => {
    const { app } = limitedApp({ requests: 2 });
    beforeAll(() => void app.listen({ hostname: "127.0.0.1", port: 0 }));
    afterAll(() => app.stop(true));
    const get = (forwardedFor: string) => fetch(`http://127.0.0.1:${app.server!.port}/limited`, { headers: { "X-Forwarded-For": forwardedFor } });

    test("each address behind the local proxy has its own bucket", async () => {
      expect((await get("198.51.100.1")).status).toBe(200);
      expect((await get("198.51.100.1")).status).toBe(200);
      expect((await get("198.51.100.1")).status).toBe(429);
      const other = await get("198.51.100.2");
      expect(other.status).toBe(200);
      expect(other.headers.get("ratelimit-remaining")).toBe("1");
    });
  });
});
