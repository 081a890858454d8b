/**
 * What `terminals_read` shows: the text of a headless xterm's active buffer, as a person looking
 * at the terminal would read it. Full-screen programs (vim, less, top, agent TUIs) draw on the
 * alternate buffer, which xterm makes active while they run, so they read as their screen.
 */
import type { Terminal } from "@xterm/headless";

/** Resolves once xterm has parsed everything written to it so far (writes are processed asynchronously). */
export function settled(emulator: Terminal): Promise<void> {
  return new Promise((resolve) => emulator.write("", resolve));
}

/**
 * The screen's rows, right-trimmed, with trailing blank rows dropped. With `maxLines`, the last
 * `maxLines` non-blank-trailing rows instead, reaching back into the scrollback when that is more
 * than one screen (the alternate buffer has no scrollback).
 */
export function renderScreen(emulator: Terminal, maxLines?: number): string {
  const buffer = emulator.buffer.active;
  // baseY is the first row of the bottom screen; rows above it are scrollback.
  const screenTop = buffer.baseY;
  let last = Math.min(buffer.length, screenTop + emulator.rows) - 1;
  const rowText = (index: number) => buffer.getLine(index)?.translateToString(true) ?? "";
  const first = maxLines === undefined ? screenTop : 0;
  while (last >= first && rowText(last) === "") last--;
  const start = maxLines === undefined ? screenTop : Math.max(0, last - maxLines + 1);
  const lines: string[] = [];
  for (let index = start; index <= last; index++) lines.push(rowText(index));
  return lines.join("\n");
}
