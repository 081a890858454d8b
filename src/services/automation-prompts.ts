/**
 * The versions of an automation's prompt. Each change is kept, except that rapid edits by one
 * author merge: a change within PROMPT_MERGE_WINDOW_MS of the start of that author's latest
 * version rewrites it instead of adding another, so a model polishing a prompt in five quick calls
 * leaves one version, not five.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { ServiceContext } from "./context.ts";
import { isUniqueViolation } from "./errors.ts";

export const PROMPT_MERGE_WINDOW_MS = 10 * 60_000;

export interface PromptVersion {
  version: number;
  prompt: string;
  authorUserId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function createPromptVersions({ db, now }: ServiceContext) {
  const { orm, tables } = db;
  const { automationPromptVersions: versions } = tables;

  async function latest(automationId: string): Promise<PromptVersion | undefined> {
    return (await orm.select().from(versions).where(eq(versions.automationId, automationId)).orderBy(desc(versions.version)).limit(1))[0];
  }

  return {
    latest,

    /** Keeps `prompt` as the newest version (merged into the author's recent one) and returns its number. */
    async record(automationId: string, authorUserId: string, prompt: string): Promise<number> {
      const at = now();
      const current = await latest(automationId);
      if (current && current.authorUserId === authorUserId && at.getTime() - current.createdAt.getTime() < PROMPT_MERGE_WINDOW_MS) {
        await orm
          .update(versions)
          .set({ prompt, updatedAt: at })
          .where(and(eq(versions.automationId, automationId), eq(versions.version, current.version)));
        return current.version;
      }
      const version = (current?.version ?? 0) + 1;
      try {
        await orm.insert(versions).values({ automationId, version, prompt, authorUserId, createdAt: at, updatedAt: at });
      } catch (error) {
        // Two authors saving at once: the other took this number, so this one becomes the next.
        if (!isUniqueViolation(error)) throw error;
        const [{ next }] = (await orm
          .select({ next: sql<number>`max(${versions.version}) + 1` })
          .from(versions)
          .where(eq(versions.automationId, automationId))) as [{ next: number }];
        await orm.insert(versions).values({ automationId, version: Number(next), prompt, authorUserId, createdAt: at, updatedAt: at });
        return Number(next);
      }
      return version;
    },
  };
}
