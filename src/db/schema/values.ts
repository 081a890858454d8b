/** Closed sets of values stored in text columns, shared by both dialects and the tools. */
export const MEMBER_ROLES = ["viewer", "member", "admin", "owner"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const STATUS_TYPES = ["backlog", "unstarted", "started", "completed", "canceled"] as const;
export type StatusType = (typeof STATUS_TYPES)[number];

export const TASK_PRIORITIES = ["urgent", "high", "medium", "low", "none"] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
