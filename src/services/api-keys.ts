/**
 * API keys (docs/authentication.md#api-keys): created for one user in one organization, listed,
 * revoked, and verified on every request. The plain key leaves this service once, from `create`;
 * the database holds only its SHA-256 and display prefix.
 */
import { and, desc, eq, getTableColumns, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { displayPrefixOf, generateApiKey, hashApiKey, isWellFormedApiKey } from "../auth/api-key-format.ts";
import { TOOL_SCOPES, type ToolScope } from "../auth/scopes.ts";
import { createAccountService } from "./accounts.ts";
import { hasRole, requireRole, type Actor } from "./actor.ts";
import { iso, isUuid, newId, type ServiceContext } from "./context.ts";
import { conflict, invalid, notFound } from "./errors.ts";

/** Longest key name accepted, in characters. */
export const API_KEY_NAME_MAX_LENGTH = 100;
/** `last_used_at` is rewritten at most once per this interval, so a busy key does not write on every request. */
export const API_KEY_LAST_USED_RESOLUTION_MS = 60_000;

/** A key as lists show it: never the key itself, nor its hash. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  /** `sk_live_` and the key's next 4 characters. */
  prefix: string;
  scopes: ToolScope[];
  userId: string;
  username: string;
  organizationId: string;
  organizationSlug: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** What a key's owner chooses about it. */
export interface ApiKeyOptions {
  /** Default: "key created <date>". */
  name?: string | null;
  /** Default: every scope of TOOL_SCOPES. */
  scopes?: readonly string[] | null;
  /** Null or absent: the key never expires. Must be in the future. */
  expiresAt?: Date | null;
}

/** A verified key: who it acts as, and the scopes it narrows them to. */
export interface ApiKeyAuthentication {
  actor: Actor;
  scopes: ToolScope[];
  keyId: string;
}

export function createApiKeyService(context: ServiceContext) {
  const { db, now } = context;
  const { orm, tables } = db;
  const { apiKeys, users, organizations, memberships } = tables;
  const accounts = createAccountService(context);

  const infoColumns = { ...getTableColumns(apiKeys), username: users.username, organizationSlug: organizations.slug };
  type InfoRow = typeof apiKeys.$inferSelect & { username: string; organizationSlug: string };

  const toInfo = (row: InfoRow): ApiKeyInfo => ({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: parseScopes(row.scopes),
    userId: row.userId,
    username: row.username,
    organizationId: row.organizationId,
    organizationSlug: row.organizationSlug,
    createdAt: iso(row.createdAt)!,
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
  });

  function selectInfo(where: SQL | undefined) {
    return orm
      .select(infoColumns)
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
      .where(where)
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  }

  async function listWhere(conditions: (SQL | undefined)[], includeRevoked: boolean): Promise<ApiKeyInfo[]> {
    if (!includeRevoked) conditions.push(isNull(apiKeys.revokedAt));
    return (await selectInfo(and(...conditions))).map(toInfo);
  }

  /** Marks the key revoked unless it already is; returns it as it now stands. */
  async function revokeRow(id: string): Promise<ApiKeyInfo> {
    await orm
      .update(apiKeys)
      .set({ revokedAt: now() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
    return toInfo((await selectInfo(eq(apiKeys.id, id)))[0]!);
  }

  async function create(input: { user: string; organization: string } & ApiKeyOptions): Promise<{ key: string; apiKey: ApiKeyInfo }> {
    const at = now();
    const name = checkedName(input.name, at);
    const scopes = checkedScopes(input.scopes);
    if (input.expiresAt && Number.isNaN(input.expiresAt.getTime())) throw invalid("The expiry date is not a valid date.");
    if (input.expiresAt && input.expiresAt.getTime() <= at.getTime())
      throw invalid(`The expiry ${input.expiresAt.toISOString()} is not in the future; give a later date, or none for a key that does not expire.`);
    const { user, organization } = await accounts.requireActiveMember(input.user, input.organization, "creating an API key for them");
    const generated = generateApiKey();
    const row = {
      id: newId(),
      organizationId: organization.id,
      userId: user.id,
      name,
      prefix: generated.displayPrefix,
      keyHash: generated.hash,
      scopes: scopes.join(" "),
      createdAt: at,
      lastUsedAt: null,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
    };
    await orm.insert(apiKeys).values(row);
    return { key: generated.key, apiKey: toInfo({ ...row, username: user.username, organizationSlug: organization.slug }) };
  }

  // The lookup of every request carrying a key: key, user, organization and membership in one
  // query, prepared on first use (SQLite compiles a statement at once, and needs the table then).
  const prepareAuthenticationQuery = () =>
    orm
      .select({
        id: apiKeys.id,
        prefix: apiKeys.prefix,
        scopes: apiKeys.scopes,
        userId: apiKeys.userId,
        organizationId: apiKeys.organizationId,
        lastUsedAt: apiKeys.lastUsedAt,
        expiresAt: apiKeys.expiresAt,
        revokedAt: apiKeys.revokedAt,
        username: users.username,
        isActive: users.isActive,
        organizationSlug: organizations.slug,
        role: memberships.role,
      })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
      .leftJoin(memberships, and(eq(memberships.organizationId, apiKeys.organizationId), eq(memberships.userId, apiKeys.userId)))
      .where(eq(apiKeys.keyHash, sql.placeholder("keyHash")))
      .prepare();
  let authenticationQuery: ReturnType<typeof prepareAuthenticationQuery> | undefined;

  return {
    /** Creates a key for a user (id or username) in an organization (id or slug) they belong to; the plain key is returned only here. */
    create,

    /** Keys newest first, optionally of one organization and/or one user; revoked keys only with `includeRevoked`. */
    async list(filters: { organization?: string | null; user?: string | null; includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
      const conditions: (SQL | undefined)[] = [];
      if (filters.organization) conditions.push(eq(apiKeys.organizationId, (await accounts.requireOrganization(filters.organization)).id));
      if (filters.user) conditions.push(eq(apiKeys.userId, (await accounts.requireUser(filters.user)).id));
      return listWhere(conditions, filters.includeRevoked ?? false);
    },

    /**
     * Revokes the key named by its id, its display prefix or the key itself, within `organization`
     * when given. A prefix shared by several keys is refused; a key already revoked is returned as is.
     */
    async revoke(idOrPrefix: string, options: { organization?: string | null } = {}): Promise<ApiKeyInfo> {
      const scope = options.organization ? eq(apiKeys.organizationId, (await accounts.requireOrganization(options.organization)).id) : undefined;
      const where = isUuid(idOrPrefix) ? eq(apiKeys.id, idOrPrefix.toLowerCase()) : isWellFormedApiKey(idOrPrefix) ? eq(apiKeys.keyHash, hashApiKey(idOrPrefix)) : eq(apiKeys.prefix, idOrPrefix);
      const matches = await orm.select({ id: apiKeys.id }).from(apiKeys).where(and(where, scope)).limit(2);
      const shown = isWellFormedApiKey(idOrPrefix) ? `${displayPrefixOf(idOrPrefix)}…` : idOrPrefix;
      if (matches.length === 0) throw notFound(`API key "${shown}" not found${options.organization ? ` in organization "${options.organization}"` : ""}; list the keys to find its id or prefix.`);
      if (matches.length > 1) throw conflict(`The prefix "${shown}" matches several API keys, which is ambiguous; give the id of the one to revoke.`);
      return revokeRow(matches[0]!.id);
    },

    /**
     * Verifies a key presented by a client. Every call reads the database, so a revocation made
     * anywhere (another replica, the CLI) is effective on the next request. The refusal reason is
     * for the server log only, never for the client.
     */
    async authenticate(key: string): Promise<ApiKeyAuthentication | { refused: string }> {
      if (!isWellFormedApiKey(key)) return { refused: "malformed API key (not sk_live_ followed by 43 base64url characters)" };
      authenticationQuery ??= prepareAuthenticationQuery();
      const row = (await authenticationQuery.execute({ keyHash: hashApiKey(key) }))[0];
      if (!row) return { refused: `unknown API key ${displayPrefixOf(key)}…` };
      const named = `API key ${row.prefix}… (id ${row.id})`;
      const at = now();
      if (row.revokedAt) return { refused: `${named} was revoked at ${row.revokedAt.toISOString()}` };
      if (row.expiresAt && row.expiresAt.getTime() <= at.getTime()) return { refused: `${named} expired at ${row.expiresAt.toISOString()}` };
      if (!row.isActive) return { refused: `${named} belongs to user "${row.username}", who is disabled` };
      if (!row.role) return { refused: `${named} belongs to user "${row.username}", who is no longer a member of organization "${row.organizationSlug}"` };
      const staleBefore = new Date(at.getTime() - API_KEY_LAST_USED_RESOLUTION_MS);
      if (!row.lastUsedAt || row.lastUsedAt < staleBefore) {
        // Conditional, so concurrent requests on several replicas write it once between them.
        await orm
          .update(apiKeys)
          .set({ lastUsedAt: at })
          .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, staleBefore))));
      }
      return {
        actor: { userId: row.userId, username: row.username, organizationId: row.organizationId, organizationSlug: row.organizationSlug, role: row.role },
        scopes: parseScopes(row.scopes),
        keyId: row.id,
      };
    },

    /** A key for the actor in the actor's organization (any role: the key never grants more than its user may do). */
    createForActor(actor: Actor, options: ApiKeyOptions = {}): Promise<{ key: string; apiKey: ApiKeyInfo }> {
      return create({ ...options, user: actor.userId, organization: actor.organizationId });
    },

    /** The actor's own keys; an admin or owner sees every key of the organization. */
    listForActor(actor: Actor, options: { includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
      const own = hasRole(actor, "admin") ? undefined : eq(apiKeys.userId, actor.userId);
      return listWhere([eq(apiKeys.organizationId, actor.organizationId), own], options.includeRevoked ?? false);
    },

    /** Revokes one of the actor's own keys, or, for an admin or owner, any key of the organization. */
    async revokeForActor(actor: Actor, id: string): Promise<ApiKeyInfo> {
      // A non-UUID is no key's id; asking PostgreSQL would fail on the uuid column instead.
      const row = !isUuid(id)
        ? undefined
        : (
            await orm
              .select({ id: apiKeys.id, userId: apiKeys.userId })
              .from(apiKeys)
              .where(and(eq(apiKeys.id, id.toLowerCase()), eq(apiKeys.organizationId, actor.organizationId)))
          )[0];
      if (!row) throw notFound(`API key ${id} not found in organization ${actor.organizationSlug}.`);
      if (row.userId !== actor.userId) requireRole(actor, "admin", "revoke other members' API keys");
      return revokeRow(row.id);
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

function parseScopes(stored: string): ToolScope[] {
  return stored.split(" ").filter((scope): scope is ToolScope => (TOOL_SCOPES as readonly string[]).includes(scope));
}

/** The scopes asked for, known ones only, without repeats, in TOOL_SCOPES order. */
function checkedScopes(asked: readonly string[] | null | undefined): ToolScope[] {
  if (asked === null || asked === undefined) return [...TOOL_SCOPES];
  const unknown = asked.find((scope) => !(TOOL_SCOPES as readonly string[]).includes(scope));
  if (unknown !== undefined) throw invalid(`Unknown scope "${unknown}"; an API key's scopes are ${TOOL_SCOPES.join(" and ")}.`);
  if (asked.length === 0) throw invalid(`An API key needs at least one scope: ${TOOL_SCOPES.join(" or ")}.`);
  return TOOL_SCOPES.filter((scope) => asked.includes(scope));
}

function checkedName(asked: string | null | undefined, at: Date): string {
  if (asked === null || asked === undefined) return `key created ${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const name = asked.trim();
  if (!name) throw invalid("An API key's name must not be empty; leave it out for a dated default name.");
  if (name.length > API_KEY_NAME_MAX_LENGTH) throw invalid(`An API key's name must be at most ${API_KEY_NAME_MAX_LENGTH} characters (it has ${name.length}).`);
  return name;
}
