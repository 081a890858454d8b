/**
 * The dialect-specific part of task search: a condition on `tasks` that holds when every term of
 * the query occurs in the title or description, case-insensitively, as a word, a prefix or any
 * fragment of a word. Terms are literal text: quotes, `*`, `%`, `NEAR(` and the like match
 * themselves and never act as query syntax. SQLite answers from the FTS5 trigram index,
 * PostgreSQL from the tsvector and trigram GIN indexes of task_search; terms shorter than a
 * trigram fall back to a LIKE scan.
 */
import { and, sql, type SQL } from "drizzle-orm";
import type { Database } from "./client.ts";
import { likePattern } from "./like.ts";

const TRIGRAM_LENGTH = 3;

/**
 * The longest search the tools accept, in characters. The schema bound itself is issue 17's
 * (src/tools/limits.ts); scripts/bench/scale.ts times the worst searches of this length.
 */
export const SEARCH_MAX_CHARS = 200;

/** Splits what a user typed into lowercase terms at whitespace; every character is kept. */
export function searchTerms(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((term) => term.length > 0);
}

/** An FTS5 string: inside double quotes every character is literal, and `"` is written twice. */
const ftsString = (term: string) => `"${term.replaceAll('"', '""')}"`;

/** The condition for `query`, or undefined when it holds no term (then nothing is filtered). */
export function taskSearchCondition(db: Database, query: string): SQL | undefined {
  const { tasks } = db.tables;
  const terms = searchTerms(query);
  if (terms.length === 0) return undefined;
  // PostgreSQL text cannot hold NUL (sending one is an error), so no task contains such a term.
  if (terms.some((term) => term.includes("\u0000"))) return sql`1 = 0`;
  const document = sql`lower(${tasks.title} || ' ' || coalesce(${tasks.description}, ''))`;
  // SQLite's LIKE already ignores ASCII case, and its lower() folds nothing more, so each column is
  // matched as stored: no lowered copy of every row's text per term (a 100,000-row scan in a third of the time).
  // A term has no whitespace, so it cannot match across the space that joins title and description.
  const shortMatch = (pattern: string) =>
    db.dialect === "sqlite" ? sql`(${tasks.title} LIKE ${pattern} ESCAPE '\\' OR ${tasks.description} LIKE ${pattern} ESCAPE '\\')` : sql`${document} LIKE ${pattern} ESCAPE '\\'`;
  const shortTerms = [...new Set(terms.filter((term) => term.length < TRIGRAM_LENGTH))].map((term) => shortMatch(likePattern(term)));
  const longTerms = terms.filter((term) => term.length >= TRIGRAM_LENGTH);
  if (longTerms.length === 0) return and(...shortTerms);
  if (db.dialect === "sqlite") {
    // With the trigram tokenizer a quoted FTS5 string matches as a case-insensitive substring.
    const match = longTerms.map(ftsString).join(" AND ");
    return and(sql`${tasks}.rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ${match})`, ...shortTerms);
  }
  // A word or word prefix is answered by the tsvector's GIN index; a fragment from inside a word,
  // or a term with punctuation (which to_tsquery would parse as syntax), by the trigram index.
  const perTerm = longTerms.map((term) =>
    /^[a-z0-9]+$/.test(term) ? sql`(s.vector @@ to_tsquery('simple', ${`${term}:*`}) OR s.document LIKE ${likePattern(term)} ESCAPE '\\')` : sql`s.document LIKE ${likePattern(term)} ESCAPE '\\'`,
  );
  return and(sql`${tasks.id} IN (SELECT s.task_id FROM task_search s WHERE ${and(...perTerm)})`, ...shortTerms);
}
