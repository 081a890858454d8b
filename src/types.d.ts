/** Text imports (`import text from "./x.sql" with { type: "text" }`), embedded by `bun build --compile`. */
declare module "*.sql" {
  const text: string;
  export default text;
}

/**
 * The part of the built-in `Temporal` (Bun 1.4.5) that the scheduler uses; TypeScript 5.9 ships no
 * Temporal typings. Extend it when code needs more, keeping it to what the runtime has.
 */
declare namespace Temporal {
  /** How a wall time maps to an instant when it is skipped (gap) or repeated (overlap). */
  type Disambiguation = "compatible" | "earlier" | "later" | "reject";

  class Instant {
    static from(item: string): Instant;
    static fromEpochMilliseconds(epochMilliseconds: number): Instant;
    readonly epochMilliseconds: number;
    /** Throws a RangeError for an unknown time zone. */
    toZonedDateTimeISO(timeZone: string): ZonedDateTime;
  }

  class PlainDateTime {
    constructor(isoYear: number, isoMonth: number, isoDay: number, hour?: number, minute?: number, second?: number);
    /** Throws a RangeError for a malformed or impossible date-time such as 2026-02-30. */
    static from(item: string): PlainDateTime;
    readonly year: number;
    readonly month: number;
    readonly day: number;
    readonly hour: number;
    readonly minute: number;
    readonly second: number;
    toZonedDateTime(timeZone: string, options?: { disambiguation?: Disambiguation }): ZonedDateTime;
  }

  class ZonedDateTime {
    readonly year: number;
    readonly month: number;
    readonly day: number;
    readonly hour: number;
    readonly minute: number;
    readonly second: number;
    readonly millisecond: number;
    readonly epochMilliseconds: number;
    /** The zone's canonical-case identifier, e.g. "Europe/Berlin" for "europe/berlin". */
    readonly timeZoneId: string;
    /** The next or previous offset change of the zone, or null when there is none. */
    getTimeZoneTransition(direction: "next" | "previous"): ZonedDateTime | null;
  }
}
