/** Shared pieces of the workspace tests: the terminal manager they run scripts in, and a PATH with chosen tools. */
import { chmodSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TerminalManager } from "../../src/agent/types.ts";
import { createFakeTerminals } from "../helpers/fake-terminals.ts";
import { tempDir } from "../helpers/git-repos.ts";

/** The terminal manager the workspace tests launch into. */
export function makeTerminals(): TerminalManager {
  return createFakeTerminals();
}

/** Runs `use` with PATH holding only git, bash, sh and the given scripts (name → content), then restores PATH. */
export async function withPath<T>(scripts: Record<string, string>, use: () => Promise<T>): Promise<T> {
  const bin = tempDir("superset-bin-");
  for (const tool of ["git", "bash", "sh"]) {
    const path = Bun.which(tool);
    if (path) symlinkSync(path, join(bin, tool));
  }
  for (const [name, content] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), content);
    chmodSync(join(bin, name), 0o755);
  }
  const saved = process.env.PATH;
  process.env.PATH = bin;
  try {
    return await use();
  } finally {
    process.env.PATH = saved;
  }
}
