/**
 * The dialect-specific part of task search: a condition on `tasks` that holds when every term of
 * the query occurs in the title or description, case-insensitively, as a word, a prefix or any
 * fragment of a word. SQLite answers from the FTS5 trigram index, PostgreSQL from the tsvector and
 * trigram indexes of task_search; terms shorter than a trigram fall back to a LIKE scan.
 */
import { and, sql, type SQL } from "drizzle-orm";
import type { Database } from "./client.ts";

const TRIGRAM_LENGTH = 3;

/** Splits what a user typed into terms; quotes and operators lose their meaning. */
export function searchTerms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).map((term) => term.replace(/["*^:()&|!<>'\\]/g, "")).filter((term) => term.length > 0);
}

const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function taskSearchCondition(db: Database, query: string): SQL | undefined {
  const { tasks } = db.tables;
  const terms = searchTerms(query);
  if (terms.length === 0) return undefined;
  const document = sql`lower(${tasks.title} || ' ' || coalesce(${tasks.description}, ''))`;
  const shortTerms = terms.filter((term) => term.length < TRIGRAM_LENGTH).map((term) => sql`${document} LIKE ${likePattern(term)} ESCAPE '\\'`);
  const longTerms = terms.filter((term) => term.length >= TRIGRAM_LENGTH);
  if (longTerms.length === 0) return and(...shortTerms);
  if (db.dialect === "sqlite") {
    // Each term quoted as an FTS5 string: with the trigram tokenizer it matches as a substring.
    const match = longTerms.map((term) => `"${term}"`).join(" AND ");
    return and(sql`${tasks}.rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ${match})`, ...shortTerms);
  }
  const perTerm = longTerms.map(
    (term) => sql`(s.vector @@ to_tsquery('simple', ${`'${term}':*`}) OR s.document LIKE ${likePattern(term)} ESCAPE '\\')`,
  );
  return and(sql`${tasks.id} IN (SELECT s.task_id FROM task_search s WHERE ${and(...perTerm)})`, ...shortTerms);
}
