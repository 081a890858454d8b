/** A run's captured output: plain text, head and tail within the byte cap, one marker, no split characters. */
import { describe, expect, test } from "bun:test";
import { createOutputCapture, droppedMarker, plainText } from "../../src/agent/output-capture.ts";

const encoder = new TextEncoder();
const bytesOf = (text: string) => encoder.encode(text).length;

/** Captures `chunks` (strings are written as their UTF-8 bytes) with cap `maxBytes`. */
function capture(maxBytes: number, ...chunks: Array<string | Uint8Array>): string {
  const output = createOutputCapture(maxBytes);
  for (const chunk of chunks) output.write(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
  return output.finish();
}

const MARKER = /^([\s\S]*)\n\[… (\d+) bytes of output dropped …\]\n([\s\S]*)$/;

/** Checks every promise of the capture against the full plain text `full` that was written. */
function expectCut(result: string, full: string, maxBytes: number): void {
  expect(bytesOf(result)).toBeLessThanOrEqual(maxBytes);
  expect(result).not.toContain("\uFFFD");
  if (bytesOf(full) <= maxBytes) return void expect(result).toBe(full);
  const parts = MARKER.exec(result);
  if (!parts) {
    // Only a cap smaller than the marker leaves it out: then the head is all there is.
    expect(bytesOf(droppedMarker(bytesOf(full)))).toBeGreaterThan(maxBytes);
    return void expect(full.startsWith(result)).toBe(true);
  }
  const [, head, dropped, tail] = parts as unknown as [string, string, string, string];
  expect(full.startsWith(head)).toBe(true);
  expect(full.endsWith(tail)).toBe(true);
  expect(bytesOf(head) + Number(dropped) + bytesOf(tail)).toBe(bytesOf(full));
}

describe("output capture: the byte cap", () => {
  test("output up to the cap is kept whole, to the exact byte", () => {
    expect(capture(10, "")).toBe("");
    expect(capture(10, "0123456789")).toBe("0123456789");
    expect(capture(10, "01234", "56789")).toBe("0123456789");
  });

  test("one byte over the cap keeps head and tail around one marker, and says how much was dropped", () => {
    const full = "x".repeat(100) + "y".repeat(101);
    const result = capture(200, full);
    // The marker is sized for 201 dropped bytes (39 bytes), leaving 161: 80 of head, 81 of tail.
    expect(bytesOf(droppedMarker(201))).toBe(39);
    expect(result).toBe(`${"x".repeat(80)}${droppedMarker(40)}${"y".repeat(81)}`);
    expectCut(result, full, 200);
  });

  test("a long output keeps its first and last lines, with the middle dropped", () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}\n`);
    const result = capture(2000, ...lines);
    expect(bytesOf(result)).toBeLessThanOrEqual(2000);
    expect(result).toStartWith("line 0\nline 1\n");
    expect(result).toEndWith("line 19998\nline 19999\n");
    expectCut(result, lines.join(""), 2000);
  });

  test("a one-byte cap keeps one ASCII byte, and never half a character", () => {
    expect(capture(1, "a")).toBe("a");
    expect(capture(1, "ab")).toBe("a");
    expect(capture(1, "é")).toBe("");
    expect(capture(1, "éa")).toBe("");
    expect(capture(2, "é!")).toBe("é");
    expect(capture(3, "😀")).toBe("");
  });

  test("a cap just below, at and just above the marker's size", () => {
    const full = "z".repeat(500);
    const markerBytes = bytesOf(droppedMarker(500));
    for (const cap of [markerBytes - 1, markerBytes, markerBytes + 1, markerBytes + 2]) expectCut(capture(cap, full), full, cap);
    expect(capture(markerBytes, full)).toBe(droppedMarker(500));
  });

  test("multi-byte characters are never split, wherever the cap and the chunks fall", () => {
    const full = "aé€😀".repeat(300);
    const bytes = encoder.encode(full);
    for (const cap of [1, 2, 3, 4, 5, 37, 38, 39, 40, 41, 42, 43, 99, 100, 101, 1000, bytes.length - 1, bytes.length]) {
      // Written one byte at a time, so every character arrives split across writes.
      const output = createOutputCapture(cap);
      for (let i = 0; i < bytes.length; i++) output.write(bytes.subarray(i, i + 1));
      expectCut(output.finish(), full, cap);
      expectCut(capture(cap, bytes), full, cap);
    }
  });

  test("random outputs, chunkings and caps all keep the promises", () => {
    const alphabet = ["a", "b", "\n", "é", "€", "😀", " "];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 300; round++) {
      const full = Array.from({ length: random(3000) }, () => alphabet[random(alphabet.length)]).join("");
      const bytes = encoder.encode(full);
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length;) {
        const size = 1 + random(400);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      const cap = 1 + random(4000);
      expectCut(capture(cap, ...chunks), full, cap);
    }
  });

  test("bytes that are not UTF-8 become replacement characters instead of breaking the text", () => {
    expect(capture(100, new Uint8Array([0x61, 0xff, 0x62]))).toBe("a\uFFFDb");
  });

  test("finish answers the same text again and ignores later writes", () => {
    const output = createOutputCapture(100);
    output.write(encoder.encode("done\n"));
    expect(output.finish()).toBe("done\n");
    output.write(encoder.encode("late"));
    expect(output.finish()).toBe("done\n");
  });
});

describe("output capture: plain text", () => {
  test("colours, cursor moves, titles and other escape sequences are removed", () => {
    expect(capture(1000, "\x1b[1;31mred\x1b[0m \x1b[2J\x1b[Hhome \x1b]0;my title\x07shown \x1b[?25lcursor\x1b[?25h")).toBe("red home shown cursor");
  });

  test("an escape sequence split across writes is still removed whole", () => {
    expect(capture(1000, "before \x1b", "[3", "1mred\x1b[", "0m after")).toBe("before red after");
    expect(capture(1000, "a\x1b]0;ti", "tle\x07b")).toBe("ab");
  });

  test("PTY line ends become \\n, a redrawn progress line becomes lines, and control characters go", () => {
    expect(capture(1000, "one\r\ntwo\r\r\nthree\r", "\nfour")).toBe("one\ntwo\nthree\nfour");
    expect(capture(1000, "10%\r20%\rdone\n")).toBe("10%\n20%\ndone\n");
    expect(plainText("bell\x07 back\x08space\ttab")).toBe("bell backspace\ttab");
  });

  test("the cap counts the plain text, not the escape sequences around it", () => {
    const coloured = "\x1b[32m" + "g".repeat(50) + "\x1b[0m";
    expect(capture(50, coloured)).toBe("g".repeat(50));
  });
});
