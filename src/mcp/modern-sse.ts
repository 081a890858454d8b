/**
 * The SSE answer of one modern (2026-07-28) POST: its own progress notifications, then its response.
 * Unlike the legacy streams (sse.ts) it has no event ids, no replay log and no Last-Event-ID: a
 * client that loses it retries the request. A client closing it aborts `signal`, so the work stops.
 */
const HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

export const SSE_HEADERS = { "Content-Type": "text/event-stream", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" };

export class ModernStream {
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly closed = new AbortController();
  /** Aborts when the client went away or the stream ended: nothing more is sent after that. */
  readonly signal = this.closed.signal;
  readonly response: Response;

  constructor() {
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
        // A first chunk makes the server send the response head now rather than with the first event.
        controller.enqueue(encoder.encode(": stream open\n\n"));
        this.heartbeat = setInterval(() => this.write(": keepalive\n\n"), HEARTBEAT_MS);
      },
      cancel: () => this.detach("the client closed the stream"),
    });
    this.response = new Response(body, { status: 200, headers: SSE_HEADERS });
  }

  get isOpen(): boolean {
    return this.controller !== null;
  }

  /** Sends one JSON-RPC message as an event; dropped once the stream is closed. */
  send(message: unknown): void {
    this.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** Sends already serialized JSON as an event (a spliced response). */
  sendSerialized(json: string): void {
    this.write(`event: message\ndata: ${json}\n\n`);
  }

  /** Ends the HTTP response. */
  end(): void {
    const controller = this.controller;
    this.detach("the stream ended");
    try {
      controller?.close();
    } catch {
      // already closed by the client
    }
  }

  private write(chunk: string): void {
    try {
      this.controller?.enqueue(encoder.encode(chunk));
    } catch {
      this.detach("the client closed the stream");
    }
  }

  private detach(reason: string): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.controller = null;
    if (!this.closed.signal.aborted) this.closed.abort(reason);
  }
}
