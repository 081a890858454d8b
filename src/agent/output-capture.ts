/**
 * The output an automation run reports: the raw bytes of its terminal turned into plain text
 * (Bun.stripANSI, so colours and cursor moves do not reach the report) and cut to `maxBytes` of
 * UTF-8 by keeping the head and the tail and dropping the middle with one marker line. Memory
 * stays bounded by two buffers of `maxBytes` whatever the agent prints.
 */

/** An unfinished escape sequence longer than this is let through (and stripped as far as it goes) rather than held. */
const MAX_CARRY_CHARS = 4096;
/** The first size of the head buffer; it doubles up to `maxBytes`, so a small output costs little. */
const INITIAL_HEAD_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/** The line that stands where `droppedBytes` bytes of output were left out. */
export function droppedMarker(droppedBytes: number): string {
  return `\n[… ${droppedBytes} bytes of output dropped …]\n`;
}

/**
 * Terminal text as plain text: escape sequences removed, line ends (CRLF, the PTY's CRCRLF, a
 * lone CR that redraws a progress line) made "\n", and other control characters dropped.
 */
export function plainText(text: string): string {
  return Bun.stripANSI(text)
    .replace(/\r+\n/g, "\n")
    .replace(/\r+/g, "\n")
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "");
}

/** Feeds on raw terminal bytes; `finish` returns the report's text (and ignores writes after it). */
export interface OutputCapture {
  write(bytes: Uint8Array): void;
  /** The plain text within `maxBytes`; the same string on every call. */
  finish(): string;
}

/** A capture keeping at most `maxBytes` (≥ 1) bytes of UTF-8 text, see the file comment. */
export function createOutputCapture(maxBytes: number): OutputCapture {
  // Not fatal: bytes that are not UTF-8 become U+FFFD, so the kept bytes are always valid UTF-8.
  const decoder = new TextDecoder();
  const kept = createHeadAndTail(maxBytes);
  /** The end of the previous chunk that may continue in the next one (an escape sequence, CRs before an LF). */
  let carry = "";
  let finished: string | undefined;

  function take(text: string, isLast: boolean): void {
    let pending = carry + text;
    carry = "";
    if (!isLast) {
      // Bun strips an unfinished sequence at the end of a string, so its rest would show up as
      // text in the next chunk: hold back everything from the last ESC when it is all escape.
      const escape = Math.max(pending.lastIndexOf("\x1b"), pending.lastIndexOf("\x9b"));
      if (escape >= 0 && pending.length - escape <= MAX_CARRY_CHARS && Bun.stripANSI(pending.slice(escape)) === "") {
        carry = pending.slice(escape);
        pending = pending.slice(0, escape);
      }
      const returns = /\r+$/.exec(pending);
      if (returns) {
        carry = returns[0] + carry;
        pending = pending.slice(0, returns.index);
      }
    }
    if (pending !== "") kept.add(encoder.encode(plainText(pending)));
  }

  return {
    write(bytes) {
      if (finished === undefined) take(decoder.decode(bytes, { stream: true }), false);
    },
    finish() {
      if (finished === undefined) {
        take(decoder.decode(), true);
        finished = kept.text();
      }
      return finished;
    },
  };
}

/** Bytes of valid UTF-8 kept as the first `maxBytes` and a ring of the last `maxBytes`, with the total seen. */
function createHeadAndTail(maxBytes: number) {
  let head = new Uint8Array(Math.min(maxBytes, INITIAL_HEAD_BYTES));
  let headLength = 0;
  let ring: Uint8Array | undefined;
  let ringStart = 0;
  let ringLength = 0;
  let total = 0;

  function addToHead(bytes: Uint8Array): void {
    if (headLength + bytes.length > head.length) {
      let size = head.length;
      while (size < headLength + bytes.length) size *= 2;
      const grown = new Uint8Array(Math.min(size, maxBytes));
      grown.set(head.subarray(0, headLength));
      head = grown;
    }
    head.set(bytes, headLength);
    headLength += bytes.length;
  }

  function addToRing(bytes: Uint8Array): void {
    ring ??= new Uint8Array(maxBytes);
    if (bytes.length >= maxBytes) {
      ring.set(bytes.subarray(bytes.length - maxBytes));
      ringStart = 0;
      ringLength = maxBytes;
      return;
    }
    const writeAt = (ringStart + ringLength) % maxBytes;
    const first = Math.min(bytes.length, maxBytes - writeAt);
    ring.set(bytes.subarray(0, first), writeAt);
    ring.set(bytes.subarray(first), 0);
    const overflow = ringLength + bytes.length - maxBytes;
    if (overflow > 0) {
      ringStart = (ringStart + overflow) % maxBytes;
      ringLength = maxBytes;
    } else {
      ringLength += bytes.length;
    }
  }

  /** The last `count` (≤ maxBytes) bytes of everything added. */
  function lastBytes(count: number): Uint8Array {
    const out = new Uint8Array(count);
    const fromRing = Math.min(count, ringLength);
    // While the ring holds fewer than maxBytes nothing was dropped between head and ring, so the rest is the head's end.
    const fromHead = count - fromRing;
    out.set(head.subarray(headLength - fromHead, headLength));
    if (ring && fromRing > 0) {
      const from = (ringStart + ringLength - fromRing) % maxBytes;
      const beforeWrap = Math.min(fromRing, maxBytes - from);
      out.set(ring.subarray(from, from + beforeWrap), fromHead);
      out.set(ring.subarray(0, fromRing - beforeWrap), fromHead + beforeWrap);
    }
    return out;
  }

  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  return {
    add(bytes: Uint8Array): void {
      total += bytes.length;
      const toHead = Math.min(bytes.length, maxBytes - headLength);
      if (toHead > 0) addToHead(bytes.subarray(0, toHead));
      if (toHead < bytes.length) addToRing(bytes.subarray(toHead));
    },
    text(): string {
      if (total <= maxBytes) return decode(head.subarray(0, headLength));
      // The marker is sized for dropping everything: the real count has no more digits, so the result never exceeds maxBytes.
      const budget = maxBytes - encoder.encode(droppedMarker(total)).length;
      // Too small a cap for the marker: the whole characters of the head that fit, and nothing else.
      if (budget < 0) return decode(head.subarray(0, wholeCharsEnd(head, headLength)));
      const headKept = charStartAtOrBefore(head, Math.floor(budget / 2));
      const tailWindow = lastBytes(budget - headKept);
      const tail = tailWindow.subarray(charStartAtOrAfter(tailWindow, 0));
      return decode(head.subarray(0, headKept)) + droppedMarker(total - headKept - tail.length) + decode(tail);
    },
  };
}

const isContinuationByte = (byte: number | undefined) => byte !== undefined && (byte & 0xc0) === 0x80;

/** The largest index ≤ `index` where a character starts, so cutting there splits none. */
function charStartAtOrBefore(bytes: Uint8Array, index: number): number {
  let at = index;
  while (at > 0 && isContinuationByte(bytes[at])) at--;
  return at;
}

/** The end of the last complete character within the first `length` bytes (the head may stop inside one). */
function wholeCharsEnd(bytes: Uint8Array, length: number): number {
  const start = charStartAtOrBefore(bytes, length - 1);
  const lead = bytes[start] ?? 0;
  const size = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return start + size <= length ? length : start;
}

function charStartAtOrAfter(bytes: Uint8Array, index: number): number {
  let at = index;
  while (at < bytes.length && isContinuationByte(bytes[at])) at++;
  return at;
}
