/**
 * The steps of docs/authentication.md#the-request-pipeline working together in the real app (each is tested alone beside this file):
 * the rate limit counts before authentication (an unverified credential under the address), the size guard trims what dispatch answers, and
 * the cache serves repeated reads until a write in the organization.
 */
import { describe, expect, test } from "bun:test";
import type { ResolvedConfig } from "../../src/config/schema.ts";
import { defaultConfig } from "../../src/config/defaults.ts";
import { createTestApp, request, rpc } from "../helpers/app.ts";
import { bearer, clientWith, expectUnauthorized, withCapturedLog } from "../helpers/auth.ts";

const defaults = defaultConfig(false);
const AUTH_ON: Partial<ResolvedConfig> = { MCP_AUTH_ENABLED: true, MCP_DEV_USERNAME: null, SECRET_KEY: "s".repeat(48) };

describe("rate limit, then authentication", () => {
  test("each verified credential has its own window, its first request counted under the address; refusals are counted and carry the headers too", async () => {
    const t = await createTestApp({ ...AUTH_ON, MCP_RATE_LIMIT: { enabled: true, requests: 3, window_seconds: 60 } });
    const key = (await t.services.apiKeys.create({ user: "admin", organization: "default" })).key;
    const ping = (headers: Record<string, string>) => rpc(t.app, request("ping"), { headers });
    // The first counts under the address (the key had not verified yet), the next three under the key.
    for (let i = 0; i < 4; i++) expect((await ping(bearer(key))).status).toBe(200);
    const limited = await ping(bearer(key));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("ratelimit-policy")).toBe("3;w=60");
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");

    const other = (await t.services.apiKeys.create({ user: "admin", organization: "default" })).key;
    expect((await ping(bearer(other))).status).toBe(200);
    await withCapturedLog(async () => {
      const refused = await ping(bearer("not-a-valid-token"));
      expect(refused.headers.get("ratelimit-limit")).toBe("3");
      await expectUnauthorized(refused);
    });
  });
});

describe("size guard after dispatch", () => {
  test("a tasks_list page over token_limit comes back truncated with a nextOffset that continues it", async () => {
    const t = await createTestApp({ MCP_RESPONSE_SIZE_CONFIG: { ...defaults.MCP_RESPONSE_SIZE_CONFIG, token_limit: 2_000 } });
    const client = clientWith(t.app, {});
    for (let i = 0; i < 12; i++) await client.tool("tasks_create", { title: `Task ${i}`, description: "é".repeat(400) });
    const seen = new Set<string>();
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const page = (await withCapturedLog(() => client.tool("tasks_list", { offset, limit: 50 }))).structuredContent as {
        result: { task: { id: string } }[];
        nextOffset: number | null;
        truncated?: true;
      };
      for (const item of page.result) seen.add(item.task.id);
      offset = page.nextOffset;
      pages++;
    }
    expect(seen.size).toBe(12);
    expect(pages).toBeGreaterThan(1);
  });
});

describe("response cache around the tools", () => {
  test("repeated reads are served from the cache, and a write in the organization is seen by the next read", async () => {
    const t = await createTestApp({ MCP_CACHE_CONFIG: { ...defaults.MCP_CACHE_CONFIG, enabled: true } });
    const client = clientWith(t.app, {});
    const first = await client.tool("tasks_list");
    // Written behind the cache's back (as another process would): the cached answer stays.
    const admin = await t.services.accounts.resolveActor("admin");
    if ("refused" in admin) throw new Error(admin.refused);
    await t.services.tasks.create(admin, { title: "Behind the cache" });
    expect(await client.tool("tasks_list")).toEqual(first);
    // A write through a tool invalidates the organization's entries.
    await client.tool("tasks_create", { title: "Through a tool" });
    const titles = ((await client.tool("tasks_list")).structuredContent as { result: { task: { title: string } }[] }).result.map((item) => item.task.title);
    // Both rows may share a millisecond of createdAt, so their order is not what is checked here.
    expect(titles.sort()).toEqual(["Behind the cache", "Through a tool"]);
  });
});
