/**
 * A clock tests move by hand, for the services (`now`) and the scheduler (`Clock`) at once: a
 * daily schedule is checked by setting the time, never by waiting.
 */
import type { Clock } from "../../src/scheduler/clock.ts";

export interface ManualClock extends Clock {
  /** Sets the time; timers that came due are fired, earliest first. */
  set(at: Date | string): void;
  advance(ms: number): void;
  /** When the earliest pending timer fires, or null when none is set. */
  nextTimerAt(): Date | null;
}

export function manualClock(start: Date | string): ManualClock {
  let nowMs = new Date(start).getTime();
  let nextId = 0;
  const timers = new Map<number, { atMs: number; callback: () => void }>();

  function fireDue(): void {
    for (;;) {
      const due = [...timers.entries()].filter(([, timer]) => timer.atMs <= nowMs).sort((a, b) => a[1].atMs - b[1].atMs)[0];
      if (!due) return;
      timers.delete(due[0]);
      due[1].callback();
    }
  }

  return {
    now: () => new Date(nowMs),
    setTimer(delayMs, callback) {
      const id = nextId++;
      timers.set(id, { atMs: nowMs + Math.max(0, delayMs), callback });
      return () => timers.delete(id);
    },
    set(at) {
      nowMs = new Date(at).getTime();
      fireDue();
    },
    advance(ms) {
      nowMs += ms;
      fireDue();
    },
    nextTimerAt() {
      const times = [...timers.values()].map((timer) => timer.atMs);
      return times.length ? new Date(Math.min(...times)) : null;
    },
  };
}
