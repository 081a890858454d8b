import { and, asc, eq, or, type AnyColumn } from "drizzle-orm";
import type { MemberRole } from "../db/schema/values.ts";
import type { Actor } from "./actor.ts";
import { containsIgnoringCase } from "../db/like.ts";
import type { ServiceContext } from "./context.ts";

export interface Member {
  id: string;
  name: string;
  username: string;
  email: string | null;
  role: MemberRole;
}

export function createMemberService({ db }: ServiceContext) {
  const { orm, tables } = db;
  const { users, memberships } = tables;

  return {
    /** Members of the actor's organization by name; `search` matches name, username or email, case-insensitively. */
    async list(actor: Actor, options: { search?: string | null; limit: number }): Promise<Member[]> {
      const conditions = [eq(memberships.organizationId, actor.organizationId)];
      if (options.search) {
        const search = options.search;
        const matches = (column: AnyColumn) => containsIgnoringCase(column, search);
        conditions.push(or(matches(users.name), matches(users.username), matches(users.email))!);
      }
      return orm
        .select({ id: users.id, name: users.name, username: users.username, email: users.email, role: memberships.role })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(...conditions))
        .orderBy(asc(users.name), asc(users.username))
        .limit(options.limit);
    },
  };
}

export type MemberService = ReturnType<typeof createMemberService>;
