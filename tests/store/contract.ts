/** What every Store backend must do alike (src/store/types.ts), run by each backend's test file. */
import { expect, test } from "bun:test";
import type { Store } from "../../src/store/types.ts";

/** Registers the contract's tests; `store()` gives the backend under test (keys start fresh). */
export function storeContract(store: () => Store): void {
  test("get answers what set stored, null for a missing key, and delete removes it", async () => {
    const s = store();
    expect(await s.get("a")).toBeNull();
    await s.set("a", "one", 60);
    expect(await s.get("a")).toBe("one");
    await s.set("a", "two", 60);
    expect(await s.get("a")).toBe("two");
    await s.delete("a");
    await s.delete("never-there");
    expect(await s.get("a")).toBeNull();
  });

  test("increment continues from an integer stored with set and refuses any other value", async () => {
    const s = store();
    await s.set("m", "41", 60);
    expect(await s.increment("m", 60)).toBe(42);
    await s.set("text", "forty", 60);
    await expect(s.increment("text", 60)).rejects.toThrow("not an integer");
    // Leaves the backend as it found it: a shared Redis is checked key by key by other tests.
    await Promise.all([s.delete("m"), s.delete("text")]);
  });
}
