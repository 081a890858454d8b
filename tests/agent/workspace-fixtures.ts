/** Shared pieces of the workspace tests: the terminal manager they run scripts in, and a PATH with chosen tools. */
import { CommandError } from "../../src/agent/types.ts";
import { chmodSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTerminalManager } from "../../src/agent/terminals.ts";
import type { TerminalManager } from "../../src/agent/types.ts";
import { tempDir } from "../helpers/git-repos.ts";

const managers: TerminalManager[] = [];

/** The agent's real terminal manager (pseudo-terminals), closed by `closeTerminals`. */
export function makeTerminals(): TerminalManager {
  const manager = createTerminalManager({ killGraceMs: 200 });
  managers.push(manager);
  return manager;
}

/** Ends every terminal the tests started (call in afterAll). */
export async function closeTerminals(): Promise<void> {
  await Promise.all(managers.splice(0).map((manager) => manager.closeAll()));
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

/** The CommandError `promise` rejects with; fails the test when it resolves or throws anything else. */
export async function refusal(promise: Promise<unknown>): Promise<CommandError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommandError) return error;
    throw error;
  }
  throw new Error("expected a CommandError");
}
