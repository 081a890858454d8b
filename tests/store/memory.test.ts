/** The memory Store: values, TTLs on an injected clock, counters and the LRU bound. */
import { describe, expect, test } from "bun:test";
import { createMemoryStore } from "../../src/store/memory.ts";
import { storeContract } from "./contract.ts";

/** A clock the test moves by hand. */
function manualClock(startMs = 1_000_000) {
  let nowMs = startMs;
  return { now: () => nowMs, advanceSeconds: (seconds: number) => void (nowMs += seconds * 1000) };
}

describe("memory store", () => {
  storeContract(() => createMemoryStore({ maxEntries: 10 }));

  test("an entry expires after its TTL and set renews the TTL", async () => {
    const clock = manualClock();
    const store = createMemoryStore({ maxEntries: 10, now: clock.now });
    await store.set("a", "one", 10);
    clock.advanceSeconds(9.999);
    expect(await store.get("a")).toBe("one");
    await store.set("a", "again", 10);
    clock.advanceSeconds(9);
    expect(await store.get("a")).toBe("again");
    clock.advanceSeconds(1);
    expect(await store.get("a")).toBeNull();
  });

  test("increment counts from 1 and keeps the TTL set when the key was created", async () => {
    const clock = manualClock();
    const store = createMemoryStore({ maxEntries: 10, now: clock.now });
    expect(await store.increment("n", 10)).toBe(1);
    clock.advanceSeconds(6);
    expect(await store.increment("n", 10)).toBe(2);
    expect(await store.get("n")).toBe("2");
    clock.advanceSeconds(4);
    // Created 10 s ago: expired, although it was incremented 4 s ago.
    expect(await store.get("n")).toBeNull();
    expect(await store.increment("n", 10)).toBe(1);
  });

  test("past maxEntries the least recently used key is evicted; a read counts as a use", async () => {
    const store = createMemoryStore({ maxEntries: 3 });
    await store.set("a", "1", 60);
    await store.set("b", "2", 60);
    await store.set("c", "3", 60);
    expect(await store.get("a")).toBe("1");
    await store.set("d", "4", 60);
    expect(await store.get("b")).toBeNull();
    expect(await store.get("a")).toBe("1");
    expect(await store.get("c")).toBe("3");
    expect(await store.get("d")).toBe("4");
    await store.increment("e", 60);
    expect(await store.get("a")).toBeNull();
    expect(await store.get("e")).toBe("1");
  });

  test("a non-positive maxEntries is refused", () => {
    expect(() => createMemoryStore({ maxEntries: 0 })).toThrow("maxEntries");
  });
});
