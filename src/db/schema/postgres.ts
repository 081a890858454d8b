/** PostgreSQL tables (Bun's SQL client). Column names and JS types match ./sqlite.ts one for one. */
import { sql } from "drizzle-orm";
import { customType } from "drizzle-orm/pg-core";
import type { HostAccessRole, MemberRole, OAuthTokenEndpointAuthMethod, RunStatus, RunTrigger, StatusType, TaskPriority, WorkspaceType } from "./values.ts";
import { at, boolean, createdAt, index, integer, json, primaryKey, table, text, uniqueIndex, updatedAt, uuid } from "./postgres-columns.ts";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const organizations = table("organizations", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = table("users", {
  id: uuid("id").primaryKey(),
  username: text("username").notNull().unique(),
  name: text("name").notNull(),
  email: text("email"),
  passwordHash: text("password_hash"),
  isActive: boolean("is_active").notNull().default(true),
  defaultOrganizationId: uuid("default_organization_id").references(() => organizations.id, { onDelete: "set null" }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const memberships = table(
  "memberships",
  {
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<MemberRole>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

export const taskStatuses = table(
  "task_statuses",
  {
    id: uuid("id").primaryKey(),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    color: text("color").notNull(),
    type: text("type").$type<StatusType>().notNull(),
    position: integer("position").notNull(),
  },
  (t) => [uniqueIndex("task_statuses_org_name_idx").on(t.organizationId, t.name)],
);

export const tasks = table(
  "tasks",
  {
    id: uuid("id").primaryKey(),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    description: text("description"),
    statusId: uuid("status_id")
      .notNull()
      .references(() => taskStatuses.id),
    priority: text("priority").$type<TaskPriority>().notNull(),
    assigneeId: uuid("assignee_id").references(() => users.id, { onDelete: "set null" }),
    creatorId: uuid("creator_id").references(() => users.id, { onDelete: "set null" }),
    estimate: integer("estimate"),
    dueDate: at("due_date"),
    labels: json<string[]>("labels"),
    prUrl: text("pr_url"),
    branch: text("branch"),
    startedAt: at("started_at"),
    completedAt: at("completed_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: at("deleted_at"),
  },
  (t) => [uniqueIndex("tasks_org_slug_idx").on(t.organizationId, t.slug), index("tasks_org_created_idx").on(t.organizationId, t.createdAt, t.id), index("tasks_assignee_idx").on(t.assigneeId)],
);

/**
 * Full-text search over tasks: a trigram index so a fragment from inside a word ("ogin" in
 * "login") is found too, and a `tsvector` for words and prefixes (not queried at present: the
 * trigram LIKE finds the same tasks and takes punctuation literally, see src/db/search.ts). Kept
 * out of `tasks` so both dialects share one row type; maintained by the triggers of the search
 * migration.
 */
export const taskSearch = table(
  "task_search",
  {
    taskId: uuid("task_id")
      .primaryKey()
      .references(() => tasks.id, { onDelete: "cascade" }),
    document: text("document").notNull(),
    vector: tsvector("vector").generatedAlwaysAs(sql`to_tsvector('simple', document)`),
  },
  (t) => [index("task_search_vector_idx").using("gin", t.vector), index("task_search_trgm_idx").using("gin", sql`${t.document} gin_trgm_ops`)],
);

/**
 * The slug suffix last handed out per organization and slug base (docs/tools.md#slugs): creators of
 * one title each take the next number atomically, so concurrent creates never pick the same slug.
 */
export const taskSlugCounters = table(
  "task_slug_counters",
  {
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    base: text("base").notNull(),
    lastSuffix: integer("last_suffix").notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.base] })],
);

/**
 * API keys (docs/authentication.md#api-keys): each bound to one user in one organization. Only the SHA-256 of
 * the key and its display prefix are stored; `scopes` is space-separated like an OAuth scope.
 */
export const apiKeys = table(
  "api_keys",
  {
    id: uuid("id").primaryKey(),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    scopes: text("scopes").notNull(),
    createdAt: createdAt(),
    lastUsedAt: at("last_used_at"),
    expiresAt: at("expires_at"),
    revokedAt: at("revoked_at"),
  },
  (t) => [index("api_keys_org_created_idx").on(t.organizationId, t.createdAt), index("api_keys_user_created_idx").on(t.userId, t.createdAt)],
);

/**
 * Host registrations (docs/hosts-and-automations.md#hosts): one per `superset hosts register`, bound
 * to a machine id on the agent's first connect. Only the SHA-256 of the host token and its
 * display prefix are stored. A machine id is unique among an organization's live registrations,
 * so a revoked one does not stop the machine from being registered again.
 */
export const hosts = table(
  "hosts",
  {
    id: uuid("id").primaryKey(),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    ownerUserId: uuid("owner_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    tokenPrefix: text("token_prefix").notNull(),
    machineId: text("machine_id"),
    platform: text("platform"),
    agentVersion: text("agent_version"),
    lastSeenAt: at("last_seen_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    revokedAt: at("revoked_at"),
  },
  (t) => [
    uniqueIndex("hosts_org_machine_idx")
      .on(t.organizationId, t.machineId)
      .where(sql`${t.revokedAt} IS NULL`),
  ],
);

/** Who may use a host: its owner (role "owner") and the users granted access (role "user"). */
export const hostAccess = table(
  "host_access",
  {
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<HostAccessRole>().notNull(),
    grantedByUserId: uuid("granted_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.hostId, t.userId] }), index("host_access_user_idx").on(t.userId)],
);

/** The projects a host last reported: a copy so lists answer while the host is briefly away. */
export const hostProjects = table(
  "host_projects",
  {
    id: uuid("id").primaryKey(),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    repoPath: text("repo_path").notNull(),
    repoUrl: text("repo_url"),
    defaultBranch: text("default_branch").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    syncedAt: at("synced_at").notNull(),
  },
  (t) => [index("host_projects_host_idx").on(t.hostId)],
);

/** The workspaces a host last reported; one it no longer reports is archived, not deleted. */
export const hostWorkspaces = table(
  "host_workspaces",
  {
    id: uuid("id").primaryKey(),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    hostId: uuid("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    projectId: uuid("project_id"),
    name: text("name").notNull(),
    branch: text("branch").notNull(),
    type: text("type").$type<WorkspaceType>().notNull(),
    worktreePath: text("worktree_path").notNull(),
    worktreeExists: boolean("worktree_exists").notNull(),
    taskId: uuid("task_id"),
    createdByUserId: uuid("created_by_user_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    archivedAt: at("archived_at"),
    syncedAt: at("synced_at").notNull(),
  },
  (t) => [index("host_workspaces_host_idx").on(t.hostId)],
);

/**
 * Automations (docs/hosts-and-automations.md#automations): an agent, a prompt and a schedule. The
 * scheduler's claim reads `enabled` and `next_run_at`; `next_run_local` is the wall time the rule
 * produced for `next_run_at`, from which the next occurrence is searched instead of from dtstart.
 */
export const automations = table(
  "automations",
  {
    id: uuid("id").primaryKey(),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    ownerUserId: uuid("owner_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    agent: text("agent").notNull(),
    targetHostId: text("target_host_id"),
    projectId: uuid("project_id"),
    workspaceId: uuid("workspace_id"),
    prompt: text("prompt").notNull(),
    promptVersion: integer("prompt_version").notNull(),
    rrule: text("rrule").notNull(),
    dtstart: at("dtstart").notNull(),
    timezone: text("timezone").notNull(),
    enabled: boolean("enabled").notNull(),
    nextRunAt: at("next_run_at"),
    nextRunLocal: text("next_run_local"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("automations_due_idx").on(t.enabled, t.nextRunAt), index("automations_org_idx").on(t.organizationId, t.createdAt)],
);

/** Every version of an automation's prompt; rapid edits by one author merge into one version. */
export const automationPromptVersions = table(
  "automation_prompt_versions",
  {
    automationId: uuid("automation_id")
      .notNull()
      .references(() => automations.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    prompt: text("prompt").notNull(),
    authorUserId: uuid("author_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.automationId, t.version] })],
);

/**
 * One row per run. The unique (automation_id, scheduled_for) of scheduled and catch-up runs is
 * the claim: of several schedulers that find the same occurrence due, one inserts the row.
 * `output_tail` is the end of `output`, kept apart so lists never read whole outputs.
 */
export const automationRuns = table(
  "automation_runs",
  {
    id: uuid("id").primaryKey(),
    automationId: uuid("automation_id")
      .notNull()
      .references(() => automations.id, { onDelete: "cascade" }),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    trigger: text("trigger").$type<RunTrigger>().notNull(),
    scheduledFor: at("scheduled_for").notNull(),
    coveredCount: integer("covered_count").notNull(),
    coveredUntil: at("covered_until"),
    title: text("title").notNull(),
    hostId: text("host_id"),
    hostRegistrationId: uuid("host_registration_id").references(() => hosts.id, { onDelete: "set null" }),
    workspaceId: text("workspace_id"),
    terminalId: text("terminal_id"),
    status: text("status").$type<RunStatus>().notNull(),
    error: text("error"),
    exitCode: integer("exit_code"),
    dispatchedAt: at("dispatched_at"),
    startedAt: at("started_at"),
    finishedAt: at("finished_at"),
    durationMs: integer("duration_ms"),
    output: text("output"),
    outputTail: text("output_tail"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("automation_runs_occurrence_idx")
      .on(t.automationId, t.scheduledFor)
      .where(sql`${t.trigger} <> 'manual'`),
    index("automation_runs_automation_idx").on(t.automationId, t.createdAt),
    index("automation_runs_status_idx").on(t.status),
  ],
);

/**
 * The built-in OAuth server's signing keys (docs/authentication.md#built-in-oauth-21-server). `id` is the JWK `kid`; the
 * private JWK is stored encrypted with SECRET_KEY (src/oauth/key-ring.ts). The current key is the
 * one not retired; a retired key stays published while tokens it signed may be alive.
 */
export const signingKeys = table("signing_keys", {
  id: text("id").primaryKey(),
  algorithm: text("algorithm").notNull(),
  publicJwk: text("public_jwk").notNull(),
  privateKey: text("private_key").notNull(),
  createdAt: createdAt(),
  retiredAt: at("retired_at"),
});

/** Clients registered through RFC 7591; only the SHA-256 of a confidential client's secret is stored. */
export const oauthClients = table("oauth_clients", {
  id: text("id").primaryKey(),
  secretHash: text("secret_hash"),
  name: text("name").notNull(),
  redirectUris: text("redirect_uris").notNull(),
  tokenEndpointAuthMethod: text("token_endpoint_auth_method").$type<OAuthTokenEndpointAuthMethod>().notNull(),
  clientUri: text("client_uri"),
  createdAt: createdAt(),
});

/** One consent: a connection of a client to a user in one organization, and one refresh-token family. */
export const oauthGrants = table(
  "oauth_grants",
  {
    id: uuid("id").primaryKey(),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClients.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    scopes: text("scopes").notNull(),
    resource: text("resource").notNull(),
    createdAt: createdAt(),
    lastUsedAt: at("last_used_at"),
    revokedAt: at("revoked_at"),
  },
  (t) => [index("oauth_grants_user_idx").on(t.userId)],
);

/** Authorization codes by the SHA-256 of the code; `used_at` makes them single use. */
export const oauthCodes = table("oauth_codes", {
  hash: text("hash").primaryKey(),
  grantId: uuid("grant_id")
    .notNull()
    .references(() => oauthGrants.id, { onDelete: "cascade" }),
  redirectUri: text("redirect_uri").notNull(),
  codeChallenge: text("code_challenge").notNull(),
  expiresAt: at("expires_at").notNull(),
  usedAt: at("used_at"),
  createdAt: createdAt(),
});

/** Refresh tokens by their SHA-256; `rotated_at` marks one already exchanged (its reuse revokes the grant). */
export const oauthRefreshTokens = table(
  "oauth_refresh_tokens",
  {
    hash: text("hash").primaryKey(),
    grantId: uuid("grant_id")
      .notNull()
      .references(() => oauthGrants.id, { onDelete: "cascade" }),
    expiresAt: at("expires_at").notNull(),
    rotatedAt: at("rotated_at"),
    createdAt: createdAt(),
  },
  (t) => [index("oauth_refresh_tokens_grant_idx").on(t.grantId)],
);

/** Signed-in browser sessions of the web pages, by the SHA-256 of the cookie value. */
export const webSessions = table(
  "web_sessions",
  {
    hash: text("hash").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
  },
  (t) => [index("web_sessions_user_idx").on(t.userId)],
);
