/**
 * The one way a test waits for something no event announces: poll `check` until it gives a value
 * (anything but undefined or false), with a deadline that fails naming what never happened. A
 * fixed sleep never stands in for this.
 */

const POLL_MS = 25;

/** Polls `check` every 25 ms until it returns a value other than undefined or false, and returns it; throws after `timeoutMs` naming `what`. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await Bun.sleep(POLL_MS);
  }
}
