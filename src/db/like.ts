/**
 * Substring matching with LIKE, the same in both dialects: the text is escaped so its own `%`,
 * `_` and `\` match literally (LIKE ... ESCAPE '\'), never as wildcards a user slipped in.
 */
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped (use with ESCAPE '\'). */
export const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** `lower(expression)` contains `text`, case-insensitively. */
export const containsIgnoringCase = (expression: SQLWrapper, text: string): SQL => sql`lower(${expression}) LIKE ${likePattern(text.toLowerCase())} ESCAPE '\\'`;
