/** Schema pieces shared by tools, shaped like the hosted server's (tests/tools/spec/hosted-tools.json), with the bounds of limits.ts. */
import * as v from "valibot";
import { TASK_PRIORITIES } from "../db/schema/values.ts";
import { boundedInt, boundedText, LIMITS } from "./limits.ts";

export const uuid = () => v.pipe(v.string(), v.uuid("must be a UUID"));
/** RFC 3339 date-time with `Z` or an offset. */
export const dateTime = () => v.pipe(v.string(), v.maxLength(64, "must be at most 64 characters"), v.isoTimestamp("must be an RFC 3339 date-time such as 2030-01-01T09:00:00Z"));
export const priority = () => v.picklist(TASK_PRIORITIES, `must be one of ${TASK_PRIORITIES.join(", ")}`);
export const nullable = <S extends v.GenericSchema>(schema: S) => v.optional(v.nullable(schema));
/** A whole number from 1 to `max`. */
export const positiveInt = (max: number) => boundedInt(1, max);
/** A free-form id (not a UUID): non-empty, at most LIMITS.id characters. */
export const freeId = () => boundedText(LIMITS.id, 1);

/**
 * Output of a list tool: a page of items and the offset of the next page, or null. `truncated`
 * marks a page the response size guard cut short; its nextOffset continues right after it.
 */
export const listOutput = <S extends v.GenericSchema>(item: S) => v.object({ result: v.array(item), nextOffset: v.nullable(v.pipe(v.number(), v.integer())), truncated: v.optional(v.literal(true)) });
