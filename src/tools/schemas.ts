/** Schema pieces shared by tools, shaped like the hosted server's (tests/tools/spec/hosted-tools.json). */
import * as v from "valibot";
import { TASK_PRIORITIES } from "../db/schema/values.ts";

export const uuid = () => v.pipe(v.string(), v.uuid());
/** Text the database will keep: PostgreSQL cannot store a NUL character, so it is refused up front on both databases. */
export const storableText = () => v.pipe(v.string(), v.check((text) => !text.includes("\u0000"), "must not contain NUL characters"));
/** RFC 3339 date-time with `Z` or an offset. */
export const dateTime = () => v.pipe(v.string(), v.isoTimestamp());
export const priority = () => v.picklist(TASK_PRIORITIES);
export const nullable = <S extends v.GenericSchema>(schema: S) => v.optional(v.nullable(schema));
export const positiveInt = () => v.pipe(v.number(), v.integer(), v.minValue(1));

/**
 * Output of a list tool: a page of items and the offset of the next page, or null. `truncated`
 * marks a page the response size guard cut short; its nextOffset continues right after it.
 */
export const listOutput = <S extends v.GenericSchema>(item: S) =>
  v.object({ result: v.array(item), nextOffset: v.nullable(v.pipe(v.number(), v.integer())), truncated: v.optional(v.literal(true)) });
