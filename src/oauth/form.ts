/**
 * The form bodies of the token, revocation and authorization endpoints
 * (application/x-www-form-urlencoded, RFC 6749 §3.2 and Appendix B), read with a size cap and
 * refused when a parameter appears twice (RFC 6749 §3.1, §3.2), which could otherwise smuggle a
 * second value past a check of the first.
 */
import { readFormBody } from "../server/form-body.ts";

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
  const body = await readFormBody(request);
  if (!body.ok) return body;
  return singleValued(body.params);
}
