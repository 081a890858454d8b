/** The sign-in limiter on a clock moved by hand: the turn of a window gives no fresh allowance on top of a full one. */
import { expect, test } from "bun:test";
import { createSigninLimiter } from "../../src/web/signin-limiter.ts";
import { createMemoryStore } from "../../src/store/memory.ts";

test("ten attempts just before a window ends still count just after it; they fade out over the next window", async () => {
  const windowMs = 300_000;
  let nowMs = 10 * windowMs - 1_000;
  const limiter = createSigninLimiter({ store: createMemoryStore({ maxEntries: 100 }), now: () => nowMs });
  for (let i = 0; i < 10; i++) expect(await limiter.attempt("203.0.113.7", `guess-${i}`)).toEqual({ allowed: true });
  nowMs += 2_000;
  const refused = await limiter.attempt("203.0.113.7", "alice");
  expect(refused.allowed).toBe(false);
  nowMs += windowMs;
  expect(await limiter.attempt("203.0.113.7", "alice")).toEqual({ allowed: true });
});

test("one username is limited across addresses, whatever its case", async () => {
  const limiter = createSigninLimiter({ store: createMemoryStore({ maxEntries: 100 }), now: () => 0 });
  for (let i = 0; i < 10; i++) expect((await limiter.attempt(`198.51.100.${i}`, i % 2 ? "Alice" : "alice")).allowed).toBe(true);
  expect((await limiter.attempt("198.51.100.99", "ALICE")).allowed).toBe(false);
});
