/**
 * One HTTPS GET of a client's metadata document, made so that a client_id URL cannot turn this
 * server into a proxy into its own network (Client ID Metadata Document draft §6.5, SSRF): the
 * host name is resolved first and every address it resolves to must be allowed, then the
 * connection goes to that checked address (TLS still verifies the certificate for the host name,
 * by SNI), so a second DNS answer cannot swap in another. No redirect is followed, the body is
 * read incrementally up to a size limit, and the whole exchange has a deadline.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { Duplex } from "node:stream";
import { isPublicAddress } from "./public-address.ts";

export const DOCUMENT_MAX_BYTES = 64 * 1024;
export const DOCUMENT_TIMEOUT_MS = 5_000;
/** Status line and headers; a document server needs a few hundred bytes. */
const MAX_HEADER_BYTES = 16 * 1024;

/** Where to connect: the checked address, and the host name TLS verifies and the Host header names. */
export interface ConnectTarget {
  address: string;
  port: number;
  hostname: string;
}

export interface DocumentFetchOptions {
  /** Which resolved addresses may be connected to; public unicast only unless a test widens it. */
  isAddressAllowed?: (address: string) => boolean;
  /** The addresses of a host name (all of them; each is checked). */
  resolve?: (hostname: string) => Promise<string[]>;
  /** Opens the TLS connection; the default verifies the certificate for `hostname` against the system CAs. */
  connect?: (target: ConnectTarget) => Duplex;
  maxBytes?: number;
  timeoutMs?: number;
}

export interface FetchedDocument {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** Why a document could not be fetched; the message is for the server log. */
export class DocumentFetchError extends Error {
  override name = "DocumentFetchError";
}

async function resolveAll(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
}

function connectTls({ address, port, hostname }: ConnectTarget): Duplex {
  return tlsConnect({ host: address, port, servername: hostname, ALPNProtocols: ["http/1.1"] });
}

/** The checked address to connect to for `hostname`; throws when any of its addresses is refused. */
async function checkedAddress(hostname: string, resolve: (hostname: string) => Promise<string[]>, allowed: (address: string) => boolean): Promise<string> {
  const literal = hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(literal)) addresses = [literal];
  else {
    try {
      addresses = await resolve(hostname);
    } catch (error) {
      throw new DocumentFetchError(`${hostname} does not resolve (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (addresses.length === 0) throw new DocumentFetchError(`${hostname} has no address`);
  const refused = addresses.find((address) => !allowed(address));
  if (refused !== undefined) throw new DocumentFetchError(`${hostname} resolves to ${refused}, which is not a public address`);
  return addresses[0]!;
}

/** Fetches `url` (https only); resolves with the 200 answer, throws DocumentFetchError for anything else. */
export async function fetchDocument(url: URL, options: DocumentFetchOptions = {}): Promise<FetchedDocument> {
  if (url.protocol !== "https:") throw new DocumentFetchError(`${url.protocol} is not https:`);
  const maxBytes = options.maxBytes ?? DOCUMENT_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DOCUMENT_TIMEOUT_MS;
  let socket: Duplex | null = null;
  let finished = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DocumentFetchError(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([
      deadline,
      (async () => {
        const address = await checkedAddress(url.hostname, options.resolve ?? resolveAll, options.isAddressAllowed ?? isPublicAddress);
        // The deadline may have passed while resolving; a connection opened now would outlive the call.
        if (finished) throw new DocumentFetchError("the deadline passed before connecting");
        const port = url.port ? Number(url.port) : 443;
        socket = (options.connect ?? connectTls)({ address, port, hostname: url.hostname.replace(/^\[|\]$/g, "") });
        socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: application/json\r\nUser-Agent: superset-mcp (client metadata)\r\nConnection: close\r\n\r\n`);
        return await readResponse(socket, maxBytes);
      })(),
    ]);
  } finally {
    finished = true;
    clearTimeout(timer);
    (socket as Duplex | null)?.destroy();
  }
}

interface Head {
  status: number;
  headers: Headers;
  chunked: boolean;
  length: number | null;
}

function parseHead(text: string, maxBytes: number): Head {
  const [statusLine = "", ...lines] = text.split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new DocumentFetchError(`the answer is not HTTP/1.1 (${JSON.stringify(statusLine.slice(0, 40))})`);
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new DocumentFetchError("the answer has a malformed header line");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const status = Number(match[1]);
  // A redirect could lead anywhere, a private address included; the document must be at the URL itself.
  if (status >= 300 && status < 400) throw new DocumentFetchError(`answered ${status}, a redirect, which is not followed`);
  if (status !== 200) throw new DocumentFetchError(`answered ${status}`);
  const chunked = /\bchunked\b/i.test(headers.get("transfer-encoding") ?? "");
  const declared = headers.get("content-length");
  const length = chunked || declared === null ? null : Number(declared);
  if (length !== null && (!Number.isSafeInteger(length) || length < 0)) throw new DocumentFetchError("the answer has a malformed Content-Length");
  if (length !== null && length > maxBytes) throw new DocumentFetchError(`the document is ${length} bytes, more than ${maxBytes}`);
  return { status, headers, chunked, length };
}

/** The chunks of a chunked body so far: the bytes decoded and whether the last (zero-size) chunk has arrived. */
function decodeChunked(raw: Buffer): { body: Buffer; done: boolean } {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = raw.indexOf("\r\n", offset);
    if (lineEnd < 0) return { body: Buffer.concat(parts), done: false };
    const size = Number.parseInt(raw.subarray(offset, lineEnd).toString("latin1").split(";")[0]!.trim(), 16);
    if (!Number.isSafeInteger(size) || size < 0) throw new DocumentFetchError("the answer has a malformed chunk");
    if (size === 0) return { body: Buffer.concat(parts), done: true };
    if (raw.length < lineEnd + 2 + size + 2) return { body: Buffer.concat(parts), done: false };
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

function readResponse(socket: Duplex, maxBytes: number): Promise<FetchedDocument> {
  return new Promise((resolve, reject) => {
    let raw = Buffer.alloc(0);
    let head: Head | null = null;
    let bodyStart = 0;
    const fail = (error: unknown) => {
      socket.destroy();
      reject(error instanceof DocumentFetchError ? error : new DocumentFetchError(error instanceof Error ? error.message : String(error)));
    };
    /** The body once complete, null while more is to come; throws past the size limit. */
    const completeBody = (ended: boolean): Buffer | null => {
      const rest = raw.subarray(bodyStart);
      if (head!.chunked) {
        const decoded = decodeChunked(rest);
        if (decoded.body.length > maxBytes || rest.length > maxBytes + MAX_HEADER_BYTES) throw new DocumentFetchError(`the document is more than ${maxBytes} bytes`);
        if (decoded.done) return decoded.body;
        if (ended) throw new DocumentFetchError("the connection closed before the last chunk");
        return null;
      }
      if (rest.length > maxBytes) throw new DocumentFetchError(`the document is more than ${maxBytes} bytes`);
      if (head!.length !== null) {
        if (rest.length >= head!.length) return rest.subarray(0, head!.length);
        if (ended) throw new DocumentFetchError("the connection closed before the whole document arrived");
        return null;
      }
      return ended ? rest : null;
    };
    const settle = (ended: boolean) => {
      try {
        if (!head) {
          const end = raw.indexOf("\r\n\r\n");
          if (end < 0) {
            if (raw.length > MAX_HEADER_BYTES) throw new DocumentFetchError(`the answer's headers are longer than ${MAX_HEADER_BYTES} bytes`);
            if (ended) throw new DocumentFetchError("the connection closed before the headers ended");
            return;
          }
          head = parseHead(raw.subarray(0, end).toString("latin1"), maxBytes);
          bodyStart = end + 4;
        }
        const body = completeBody(ended);
        if (body) {
          socket.destroy();
          resolve({ status: head.status, headers: head.headers, body: new Uint8Array(body) });
        }
      } catch (error) {
        fail(error);
      }
    };
    socket.on("data", (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk]);
      settle(false);
    });
    socket.on("end", () => settle(true));
    socket.on("error", fail);
    socket.on("close", () => settle(true));
  });
}
