/** Closed sets of values stored in text columns, shared by both dialects and the tools. */
import type { HostWorkspace } from "../../hosts/protocol.ts";

export const MEMBER_ROLES = ["viewer", "member", "admin", "owner"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const STATUS_TYPES = ["backlog", "unstarted", "started", "completed", "canceled"] as const;
export type StatusType = (typeof STATUS_TYPES)[number];

export const TASK_PRIORITIES = ["urgent", "high", "medium", "low", "none"] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** A host's owner, or a user the owner's organization granted it to. */
export const HOST_ACCESS_ROLES = ["owner", "user"] as const;
export type HostAccessRole = (typeof HOST_ACCESS_ROLES)[number];

/** A project's own folder, a git worktree of it, or a project-less session folder; the list lives in the host protocol. */
export type WorkspaceType = HostWorkspace["type"];
