/**
 * Form posts: the urlencoded body read with a size cap and parsed by URLSearchParams, then checked
 * field by field with valibot. Every refusal is a page with a sentence, never a 500.
 */
import * as v from "valibot";
import { readFormBody } from "../server/form-body.ts";
import { errorPage } from "./pages/error.ts";

/** A form's fields: one value, or several for a repeated name (checkboxes). */
export type FormObject = Record<string, string | string[]>;

/** The posted form, or the error page to answer with (415 for another encoding, 413 when too big). */
export async function readForm(request: Request): Promise<FormObject | Response> {
  const body = await readFormBody(request);
  if (body.ok) return fieldsOf(body.params);
  return errorPage({
    status: body.status,
    title: "Form not accepted",
    message: `The form could not be read: ${body.reason}. Reload the page, shorten what you typed if it is long, and submit it again.`,
  });
}

/** The query string of a GET as fields. */
export function queryOf(request: Request): FormObject {
  return fieldsOf(new URL(request.url).searchParams);
}

function fieldsOf(params: URLSearchParams): FormObject {
  const fields: FormObject = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    fields[name] = values.length === 1 ? values[0]! : values;
  }
  return fields;
}

const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

/** A single text field of at most `maxLength` characters, without control characters; "" when absent. */
export function textField(label: string, maxLength: number) {
  return v.optional(
    v.pipe(
      v.string(`${label} was sent more than once; reload the page and submit the form again.`),
      v.maxLength(maxLength, `${label} must be at most ${maxLength} characters.`),
      v.regex(NO_CONTROL_CHARACTERS, `${label} must not contain control characters.`),
    ),
    "",
  );
}

/** A field that may repeat (a checkbox group): always a list. */
export function listField<T extends v.GenericSchema<string, string>>(item: T) {
  return v.pipe(
    v.optional(v.union([v.string(), v.array(v.string())]), []),
    v.transform((value) => (typeof value === "string" ? [value] : value)),
    v.array(item),
  );
}

/** The first message for each field that failed, keyed by field name. */
export type FieldErrors = Record<string, string>;

export function validateForm<S extends v.GenericSchema>(schema: S, fields: FormObject): { ok: true; value: v.InferOutput<S> } | { ok: false; errors: FieldErrors } {
  const result = v.safeParse(schema, fields);
  if (result.success) return { ok: true, value: result.output };
  const errors: FieldErrors = {};
  for (const issue of result.issues) {
    const name = String(issue.path?.[0]?.key ?? "form");
    errors[name] ??= issue.message;
  }
  return { ok: false, errors };
}

/** The CSRF token a form carried, or null when it has none (or several). */
export function csrfTokenOf(fields: FormObject): string | null {
  const token = fields.csrf_token;
  return typeof token === "string" ? token : null;
}
