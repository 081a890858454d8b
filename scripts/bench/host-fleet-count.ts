/**
 * What the fleet-wide host count (health_check's hostsOnline, superset_hosts_online with the Redis
 * store) costs: `HOSTS` hosts present in Redis (default 1000) through the real presence scripts,
 * then sequential counts (one Lua script: drop lapsed members, ZCARD). The reference, measured in
 * the same run on the same connection, is one GET (a host's presence lookup, done on every routed
 * call). Run: `TEST_REDIS_URL=redis://127.0.0.1:6379 bun scripts/bench/host-fleet-count.ts`
 * (COUNTS=2000 by default). Its keys live under a prefix of their own and are gone at the end.
 */
import { createHostPresence } from "../../src/hosts/presence.ts";
import { connectRedisStore } from "../../src/store/redis.ts";

const url = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const HOSTS = Number(process.env.HOSTS ?? 1000);
const COUNTS = Number(process.env.COUNTS ?? 2000);
const prefix = `bench-fleet-${crypto.randomUUID()}`;

const store = await connectRedisStore({ url, keyPrefix: prefix });
const presence = createHostPresence(store, crypto.randomUUID());
const ids = Array.from({ length: HOSTS }, () => crypto.randomUUID());
for (const id of ids) await presence.claim(id);

async function perCallMs(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 100; i++) await run();
  const start = performance.now();
  for (let i = 0; i < COUNTS; i++) await run();
  return (performance.now() - start) / COUNTS;
}

const count = await presence.onlineCount();
if (count !== HOSTS) throw new Error(`counted ${count} hosts, expected ${HOSTS}`);
const getMs = await perCallMs(() => presence.holder(ids[0]!));
const countMs = await perCallMs(() => presence.onlineCount());
console.log(JSON.stringify({ hosts: HOSTS, counts: COUNTS, getMs: +getMs.toFixed(4), fleetCountMs: +countMs.toFixed(4), ratio: +(countMs / getMs).toFixed(2) }));

// Releasing every host deletes its key and empties the sorted set, which Redis then deletes.
for (const id of ids) await presence.release(id);
store.close();
