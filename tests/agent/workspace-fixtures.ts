/** Shared pieces of the workspace tests: the terminal manager they run scripts in, and a PATH with chosen tools. */
import { CommandError } from "../../src/agent/types.ts";
import { chmodSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTerminalManager } from "../../src/agent/terminals.ts";
import type { TerminalManager } from "../../src/agent/types.ts";
import { gitSync, makeRemote, tempDir } from "../helpers/git-repos.ts";
import { projectCommands } from "../../src/agent/commands/projects.ts";
import { workspaceCommands } from "../../src/agent/commands/workspaces.ts";
import { createAgentState } from "../../src/agent/state.ts";
import type { CommandParams } from "../../src/hosts/protocol.ts";

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

/**
 * A project cloned from a fresh remote whose default branch carries `files` (e.g.
 * .superset/setup.sh), with the workspace handlers over real terminals; `create` numbers
 * workspace ids and collects progress messages.
 */
export async function workspaceFixture(files: Record<string, string> = {}) {
  const remote = makeRemote({ files });
  const dataDir = tempDir("superset-data-");
  const state = createAgentState(dataDir);
  const terminals = makeTerminals();
  const { project, mainWorkspace } = await projectCommands({ dataDir, state })["project.create"]({ projectId: "p1", gitUrl: remote.url }, () => {});
  const handlers = workspaceCommands({ dataDir, state, terminals });
  const messages: string[] = [];
  let count = 0;
  const create = (params: Partial<CommandParams<"workspace.create">>) =>
    handlers["workspace.create"]({ workspaceId: `w${++count}`, projectId: "p1", name: "Workspace", createdByUserId: "u1", ...params }, (_p, _t, message) => void (message && messages.push(message)));
  const remove = (id: string) => handlers["workspace.delete"]({ id }, () => {});
  const branchOf = (path: string) => gitSync(path, ["rev-parse", "--abbrev-ref", "HEAD"]);
  return { remote, dataDir, state, terminals, project, mainWorkspace, handlers, messages, create, remove, branchOf };
}
