/**
 * HTTP/1.1 requests over a raw socket whose body the test holds back. The head goes out with
 * `Expect: 100-continue`; Bun answers "100 Continue" when it hands the request to the server's
 * handler, so a test knows the request is in flight without sleeping, and finishes the body when
 * it chooses. Answers are parsed off the socket in order (Content-Length or chunked bodies).
 */
import { connect } from "node:net";

/** One final (non-1xx) answer read off the connection. */
export interface HttpAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

export interface HeldRequest {
  /** Resolves once the server answered 100 Continue: the request has been received. */
  accepted: Promise<void>;
  /** Sends the rest of the body, then `after` (another request, to pipeline it on this connection). */
  finish(after?: string): void;
  /** Resolves with the first `count` answers; rejects when the connection ends before them. */
  answers(count?: number): Promise<HttpAnswer[]>;
  /** Resolves when the connection has closed; `error` is set when it was reset rather than ended. */
  closed: Promise<{ error: string | null }>;
  destroy(): void;
}

export interface HeldRequestOptions {
  method?: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Bytes of the body sent before finish() (default half). */
  sentBytes?: number;
}

/** The text of a complete HTTP/1.1 request, for pipelining after a held one. */
export function requestText({ method = "POST", path, headers, body }: HeldRequestOptions): string {
  const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), `Content-Length: ${Buffer.byteLength(body)}`];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** Parses one answer from the front of `buffer`: the answer and the bytes it took, or null when incomplete. */
function parseAnswer(buffer: Buffer, ended: boolean): { answer: HttpAnswer; used: number } | null {
  const headEnd = buffer.indexOf("\r\n\r\n");
  if (headEnd < 0) return null;
  const [statusLine, ...headerLines] = buffer.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(statusLine!.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let offset = headEnd + 4;
  if (headers["content-length"] !== undefined) {
    const end = offset + Number(headers["content-length"]);
    if (buffer.length < end) return null;
    return { answer: { status, headers, body: buffer.subarray(offset, end).toString() }, used: end };
  }
  if (headers["transfer-encoding"]?.includes("chunked")) {
    const chunks: Buffer[] = [];
    for (;;) {
      const lineEnd = buffer.indexOf("\r\n", offset);
      if (lineEnd < 0) return null;
      const size = parseInt(buffer.subarray(offset, lineEnd).toString(), 16);
      const start = lineEnd + 2;
      if (buffer.length < start + size + 2) return null;
      if (size === 0) return { answer: { status, headers, body: Buffer.concat(chunks).toString() }, used: start + 2 };
      chunks.push(buffer.subarray(start, start + size));
      offset = start + size + 2;
    }
  }
  // 1xx and 204/304 have no body; anything else without a length ends with the connection.
  if (status < 200 || status === 204 || status === 304) return { answer: { status, headers, body: "" }, used: offset };
  return ended ? { answer: { status, headers, body: buffer.subarray(offset).toString() }, used: buffer.length } : null;
}

/** Opens a connection to 127.0.0.1:`port`, sends the head and the first part of the body, and holds the rest. */
export function holdRequest(port: number, options: HeldRequestOptions): HeldRequest {
  const full = Buffer.from(requestText({ ...options, headers: { ...options.headers, Expect: "100-continue" } }));
  const bodyBytes = Buffer.byteLength(options.body);
  const split = full.length - bodyBytes + (options.sentBytes ?? Math.floor(bodyBytes / 2));
  const socket = connect(port, "127.0.0.1", () => socket.write(full.subarray(0, split)));
  const accepted = Promise.withResolvers<void>();
  const closed = Promise.withResolvers<{ error: string | null }>();
  const answers: HttpAnswer[] = [];
  const waiters: Array<() => void> = [];
  let buffer = Buffer.alloc(0);
  let ended = false;
  let error: string | null = null;

  const parse = () => {
    for (let parsed = parseAnswer(buffer, ended); parsed; parsed = parseAnswer(buffer, ended)) {
      buffer = buffer.subarray(parsed.used);
      if (parsed.answer.status === 100) accepted.resolve();
      else answers.push(parsed.answer);
    }
    for (const waiter of waiters.splice(0)) waiter();
  };
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    parse();
  });
  socket.on("error", (cause) => (error = cause.message));
  socket.on("close", () => {
    ended = true;
    parse();
    accepted.reject(new Error(`the connection closed before 100 Continue (${error ?? "ended"})`));
    closed.resolve({ error });
  });
  accepted.promise.catch(() => {});

  return {
    accepted: accepted.promise,
    finish: (after = "") => socket.write(Buffer.concat([full.subarray(split), Buffer.from(after)])),
    answers(count = 1) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (answers.length >= count) return resolve(answers.slice(0, count));
          if (ended) return reject(new Error(`the connection closed after ${answers.length} of ${count} answers (${error ?? "ended"})`));
          waiters.push(check);
        };
        check();
      });
    },
    closed: closed.promise,
    destroy: () => socket.destroy(),
  };
}
