/**
 * Request bodies read with a byte cap that holds even without a Content-Length (a chunked body
 * stops being read past the cap): the urlencoded forms of the web pages and the OAuth endpoints,
 * and the JSON of client registration. A form refusal carries its HTTP status and one sentence,
 * which the web pages and the OAuth endpoints both quote.
 */

/** The largest form body accepted, web or OAuth: their biggest forms (an API key; a refresh token and a verifier) are well under 1 KiB. */
export const MAX_FORM_BYTES = 16 * 1024;

export type FormBody = { ok: true; params: URLSearchParams } | { ok: false; status: 413 | 415; reason: string };

/** The body's bytes, or null once it is longer than `maxBytes`. */
export async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) return null;
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** An urlencoded form body of at most MAX_FORM_BYTES, or why it was refused. */
export async function readFormBody(request: Request): Promise<FormBody> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return { ok: false, status: 415, reason: "the body must be application/x-www-form-urlencoded" };
  const bytes = await readCapped(request, MAX_FORM_BYTES);
  if (!bytes) return { ok: false, status: 413, reason: `the body is larger than ${MAX_FORM_BYTES / 1024} KiB` };
  return { ok: true, params: new URLSearchParams(new TextDecoder().decode(bytes)) };
}
