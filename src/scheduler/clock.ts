/**
 * The scheduler's sense of time: what time it is and a one-shot timer. The system clock in
 * production; tests pass a clock they move by hand, so a daily schedule is checked without
 * waiting a day.
 */
export interface Clock {
  now(): Date;
  /** Calls `callback` once after `delayMs`; the returned function cancels it. */
  setTimer(delayMs: number, callback: () => void): () => void;
}

/** Node's timers take at most 2^31-1 ms; longer waits are cut to it and simply re-aimed on waking. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
    return () => clearTimeout(timer);
  },
};
