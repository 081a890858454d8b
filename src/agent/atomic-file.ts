import { renameSync, writeFileSync } from "node:fs";

/** Writes `text` to `file` through a temporary file and a rename, so a kill mid-write leaves the previous content whole. */
export function writeFileAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
