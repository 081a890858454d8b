/**
 * Request bodies read with a byte cap that holds even without a Content-Length (a chunked body
 * stops being read past the cap): the urlencoded forms of the web pages and the OAuth endpoints,
 * and the JSON of client registration. Each caller turns a refusal into its own answer.
 */

export type FormBody = { ok: true; params: URLSearchParams } | { ok: false; problem: "media-type" | "too-large" };

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

export async function readFormBody(request: Request, maxBytes: number): Promise<FormBody> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return { ok: false, problem: "media-type" };
  const bytes = await readCapped(request, maxBytes);
  if (!bytes) return { ok: false, problem: "too-large" };
  return { ok: true, params: new URLSearchParams(new TextDecoder().decode(bytes)) };
}
