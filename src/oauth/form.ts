/**
 * The form bodies of the token, revocation and authorization endpoints
 * (application/x-www-form-urlencoded, RFC 6749 §3.2 and Appendix B), read with a size cap and
 * refused when a parameter appears twice (RFC 6749 §3.1, §3.2), which could otherwise smuggle a
 * second value past a check of the first.
 */
import { readFormBody } from "../server/form-body.ts";

/** Far more than any legitimate request (a refresh token and a verifier are under 200 bytes each). */
export const MAX_FORM_BYTES = 16 * 1024;

export type FormRead = { ok: true; params: Record<string, string> } | { ok: false; reason: string };

/** Parameters of a query string or form body, each at most once. */
export function singleValued(search: URLSearchParams): FormRead {
  const params: Record<string, string> = {};
  for (const [name, value] of search) {
    if (Object.hasOwn(params, name)) return { ok: false, reason: `the parameter ${name} is given more than once` };
    params[name] = value;
  }
  return { ok: true, params };
}

export async function readForm(request: Request): Promise<FormRead> {
  const body = await readFormBody(request, MAX_FORM_BYTES);
  if (!body.ok) return { ok: false, reason: body.problem === "media-type" ? "the body must be application/x-www-form-urlencoded" : `the body is larger than ${MAX_FORM_BYTES} bytes` };
  return singleValued(body.params);
}
