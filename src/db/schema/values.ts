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

/** How an automation run came about: its schedule, a catch-up for occurrences missed while no scheduler ran, or automations_run. */
export const RUN_TRIGGERS = ["schedule", "catch_up", "manual"] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/**
 * Where an automation run is (docs/hosts-and-automations.md#automations): `dispatching` while the
 * server prepares it on a host, `running` once the agent started, then how it ended; `skipped_offline` and
 * `dispatch_failed` are refusals recorded instead of a launch.
 */
export const RUN_STATUSES = ["dispatching", "skipped_offline", "dispatch_failed", "running", "succeeded", "failed", "canceled", "timed_out"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** How an OAuth client authenticates at the token endpoint (RFC 7591 `token_endpoint_auth_method`); "none" is a public client. */
export const OAUTH_TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"] as const;
export type OAuthTokenEndpointAuthMethod = (typeof OAUTH_TOKEN_ENDPOINT_AUTH_METHODS)[number];
