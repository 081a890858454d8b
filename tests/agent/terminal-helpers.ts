/** Shared pieces of the terminal tests: waiting for a screen, and the fake agent standing in for `claude`. */
import { afterAll, beforeAll } from "bun:test";
import { join } from "node:path";
import type { TerminalManager } from "../../src/agent/types.ts";
import { eventually } from "../helpers/eventually.ts";
import { tempDir } from "../helpers/git-repos.ts";

/** The fake agent script (tests/fixtures/fake-agent.sh). */
export const FAKE_AGENT = join(import.meta.dir, "../fixtures/fake-agent.sh");

/** Reads terminal `terminalId` until `pattern` matches its text; fails with the last screen after `timeoutMs`. */
export async function waitForScreen(terminals: TerminalManager, terminalId: string, pattern: RegExp, timeoutMs = 5000, maxLines?: number): Promise<string> {
  let text = "";
  const shown = async () => {
    text = (await terminals.read(terminalId, maxLines)).text;
    return pattern.test(text) ? text : undefined;
  };
  try {
    return await eventually(`terminal ${terminalId} to show ${pattern}`, shown, timeoutMs);
  } catch {
    throw new Error(`Terminal never showed ${pattern}; its screen was:\n${text}`);
  }
}

/** The arguments the fake agent received, from the NUL-separated file it wrote. */
export async function fakeAgentArgs(outFile: string): Promise<string[]> {
  const raw = await Bun.file(outFile).text();
  return raw === "" ? [] : raw.slice(0, -1).split("\0");
}

/** Runs `run` and returns the error it threw (fails when it did not throw). */
export async function thrown(run: () => unknown): Promise<Error & { code?: string }> {
  try {
    await run();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected an error");
}

/**
 * Points HOME at an empty folder for this file's tests, so login shells (`$SHELL -l`) read no
 * personal profile: a developer's or CI machine's profile can be slow (pyenv rehash, nvm) or print.
 */
export function useEmptyHome(): void {
  const saved = process.env.HOME;
  beforeAll(() => {
    process.env.HOME = tempDir("superset-home-");
  });
  afterAll(() => {
    process.env.HOME = saved;
  });
}
