/**
 * The agent's record of the commands it was given, kept in `<data-dir>/journal.json`. A command
 * the server sends again after a reconnect (same id) is answered from here instead of being done
 * twice; one that was still running when the agent died is run again, and every handler converges
 * on the rows whose ids the server chose.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomically } from "./atomic-file.ts";

export type Outcome = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

interface Entry {
  id: string;
  name: string;
  startedAt: string;
  outcome?: Outcome;
}

/** Entries kept; the server never re-sends a command older than its HOST_COMMAND_TIMEOUT, so a few hundred is plenty. */
const MAX_ENTRIES = 500;

export function openJournal(dataDir: string) {
  const file = join(dataDir, "journal.json");
  const entries = new Map<string, Entry>();
  if (existsSync(file)) {
    try {
      for (const entry of JSON.parse(readFileSync(file, "utf8")) as Entry[]) entries.set(entry.id, entry);
    } catch {
      // A journal that cannot be read loses only the memory of past answers; the handlers still converge.
    }
  }

  function persist(): void {
    while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    writeFileAtomically(file, JSON.stringify([...entries.values()]));
  }

  return {
    get: (id: string): Entry | undefined => entries.get(id),
    begin(id: string, name: string): void {
      if (entries.get(id)?.outcome) return;
      entries.set(id, { id, name, startedAt: new Date().toISOString() });
      persist();
    },
    finish(id: string, outcome: Outcome): void {
      const entry = entries.get(id);
      if (!entry) return;
      entry.outcome = outcome;
      persist();
    },
  };
}

export type Journal = ReturnType<typeof openJournal>;
