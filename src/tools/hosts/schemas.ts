/** Schema pieces of the tools carried out on a host (tools.md §Workspaces, projects, agents, terminals; §Hosts). */
import * as v from "valibot";
import { WORKSPACE_TYPES } from "../../hosts/protocol.ts";
import { freeId } from "../schemas.ts";

/** A host id as the hosted server takes it: any non-empty string (ours are 32 hex characters; others are simply not found). */
export const hostIdInput = () => freeId();

const time = v.string();

export const projectOutput = v.object({
  id: v.string(),
  name: v.string(),
  repoPath: v.string(),
  repoUrl: v.nullable(v.string()),
  defaultBranch: v.string(),
  createdAt: time,
  updatedAt: time,
});

export const workspaceOutput = v.object({
  id: v.string(),
  hostId: v.string(),
  projectId: v.nullable(v.string()),
  projectName: v.nullable(v.string()),
  name: v.string(),
  branch: v.string(),
  type: v.picklist(WORKSPACE_TYPES),
  worktreePath: v.string(),
  worktreeExists: v.boolean(),
  taskId: v.nullable(v.string()),
  createdByUserId: v.nullable(v.string()),
  createdAt: time,
  updatedAt: time,
});
export type WorkspaceOutput = v.InferOutput<typeof workspaceOutput>;

/**
 * A list read from a host: `source` says whether it came from the host just now or, while the host
 * is away, from the server's last-known records, with `asOf` the time those records were taken.
 */
export const hostListOutput = <S extends v.GenericSchema>(item: S) =>
  v.object({
    result: v.array(item),
    nextOffset: v.nullable(v.pipe(v.number(), v.integer())),
    truncated: v.optional(v.literal(true)),
    source: v.picklist(["host", "last_known"]),
    asOf: v.nullable(time),
  });
