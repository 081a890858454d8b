/**
 * The host agent's persistent state: the projects and workspaces it made, in
 * `<dataDir>/state.json`. One in-memory copy is the truth; every mutation changes it at once and
 * queues a write of the whole file (temp file + rename), so a kill mid-write leaves the previous
 * complete file and writes never interleave.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HostProject, HostWorkspace } from "../hosts/protocol.ts";

/** A workspace as stored: `worktreeExists` is computed when read, plus private bookkeeping. */
export interface StoredWorkspace extends Omit<HostWorkspace, "worktreeExists"> {
  /** The setup script finished (whatever its exit code), so a re-run after a crash skips it. */
  setupDone?: boolean;
  /** What workspace.create answered once it finished, so a repeated create with this id answers the same. */
  createResult?: { terminals: Array<{ terminalId: string; label: string }>; agents: Array<{ ok: boolean; sessionId?: string; label?: string; error?: string }>; alreadyExists: boolean };
}

interface StateFile {
  version: 1;
  projects: Record<string, HostProject>;
  workspaces: Record<string, StoredWorkspace>;
  /** projectId → clone target folder, recorded before a clone starts and cleared after. */
  clonesInProgress: Record<string, string>;
}

const STATE_FILE_NAME = "state.json";

function emptyState(): StateFile {
  return { version: 1, projects: {}, workspaces: {}, clonesInProgress: {} };
}

function readStateFile(path: string): StateFile {
  if (!existsSync(path)) return emptyState();
  let parsed: Partial<StateFile>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<StateFile>;
  } catch {
    throw new Error(`The agent state file ${path} is not valid JSON; move it aside to start with an empty state.`);
  }
  return {
    version: 1,
    projects: parsed.projects ?? {},
    workspaces: parsed.workspaces ?? {},
    clonesInProgress: parsed.clonesInProgress ?? {},
  };
}

/** A stored workspace as the wire shows it, with `worktreeExists` checked now. */
export function toHostWorkspace(stored: StoredWorkspace): HostWorkspace {
  const { setupDone: _setupDone, createResult: _createResult, ...workspace } = stored;
  return { ...workspace, worktreeExists: existsSync(stored.worktreePath) };
}

/** Loads (or starts) the state in `dataDir`; leftover temp files of a killed write are removed. */
export function createAgentState(dataDir: string) {
  mkdirSync(dataDir, { recursive: true });
  const filePath = join(dataDir, STATE_FILE_NAME);
  for (const name of readdirSync(dataDir)) {
    if (name.startsWith(`${STATE_FILE_NAME}.`) && name.endsWith(".tmp")) rmSync(join(dataDir, name), { force: true });
  }
  const data = readStateFile(filePath);
  let writes: Promise<void> = Promise.resolve();
  let writeCount = 0;

  /** Queues a write of the current state; resolves once this (or a later) snapshot is on disk. */
  function persist(): Promise<void> {
    const next = writes.then(async () => {
      const tempPath = `${filePath}.${process.pid}.${++writeCount}.tmp`;
      await writeFile(tempPath, `${JSON.stringify(data, null, 2)}\n`);
      await rename(tempPath, filePath);
    });
    // A failed write must not block later ones; the caller of this write still sees the error.
    writes = next.catch(() => {});
    return next;
  }

  return {
    dataDir,
    projects(): HostProject[] {
      return Object.values(data.projects);
    },
    project(id: string): HostProject | undefined {
      return data.projects[id];
    },
    /** The project whose folder is `repoPath` (compared as given, so callers pass a resolved path). */
    projectByPath(repoPath: string): HostProject | undefined {
      return Object.values(data.projects).find((project) => project.repoPath === repoPath);
    },
    saveProject(project: HostProject): Promise<void> {
      data.projects[project.id] = project;
      return persist();
    },
    /** Every workspace (of one project when given), `worktreeExists` checked now. */
    workspaces(projectId?: string): HostWorkspace[] {
      return Object.values(data.workspaces)
        .filter((stored) => projectId === undefined || stored.projectId === projectId)
        .map(toHostWorkspace);
    },
    workspace(id: string): HostWorkspace | undefined {
      const stored = data.workspaces[id];
      return stored ? toHostWorkspace(stored) : undefined;
    },
    /** The stored record with its private fields (setupDone). */
    storedWorkspace(id: string): StoredWorkspace | undefined {
      return data.workspaces[id];
    },
    /** The workspace of `projectId` on `branch`, of any type. */
    workspaceOnBranch(projectId: string, branch: string): HostWorkspace | undefined {
      const stored = Object.values(data.workspaces).find((w) => w.projectId === projectId && w.branch === branch);
      return stored ? toHostWorkspace(stored) : undefined;
    },
    saveWorkspace(workspace: StoredWorkspace | HostWorkspace): Promise<void> {
      const { worktreeExists: _exists, ...stored } = workspace as HostWorkspace & StoredWorkspace;
      data.workspaces[stored.id] = { ...data.workspaces[stored.id], ...stored };
      return persist();
    },
    /** Changes some private fields (or the name) of a stored workspace; unknown ids are ignored. */
    patchWorkspace(id: string, patch: Partial<Omit<StoredWorkspace, "id">>): Promise<void> {
      const stored = data.workspaces[id];
      if (!stored) return Promise.resolve();
      Object.assign(stored, patch);
      return persist();
    },
    removeWorkspace(id: string): Promise<void> {
      delete data.workspaces[id];
      return persist();
    },
    /** The folder a clone for `projectId` was writing into when it started, if it never finished. */
    cloneInProgress(projectId: string): string | undefined {
      return data.clonesInProgress[projectId];
    },
    /** Records (folder) or clears (null) the clone in progress for `projectId`. */
    setCloneInProgress(projectId: string, target: string | null): Promise<void> {
      if (target === null) delete data.clonesInProgress[projectId];
      else data.clonesInProgress[projectId] = target;
      return persist();
    },
    /** Resolves when every queued write is on disk. */
    flush(): Promise<void> {
      return writes;
    },
  };
}

/** The agent's state, as handlers receive it. */
export type AgentState = ReturnType<typeof createAgentState>;
