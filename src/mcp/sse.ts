/**
 * Server-Sent Events for Streamable HTTP: one stream per GET (server-initiated messages) or per
 * POST answered as SSE. Events get ids `<streamId>:<n>` and are kept in a bounded log so a client
 * that lost the connection can resume with Last-Event-ID. A comment every 15 seconds keeps
 * proxies and load balancers from cutting an idle stream.
 */
const HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

export interface EventLogLimits {
  maxEvents: number;
  ttlSeconds: number;
}

interface LoggedEvent {
  seq: number;
  data: string;
  at: number;
}

/** One SSE stream; outlives its HTTP connection so a reconnecting client can pick it up. */
export class SseStream {
  private seq = 0;
  private readonly log: LoggedEvent[] = [];
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  /** Set by end(): the stream has said all it will (a POST stream after its answer). */
  private isFinished = false;
  lastActivityAt = Date.now();

  constructor(
    readonly id: string,
    private readonly limits: EventLogLimits,
  ) {}

  get isConnected(): boolean {
    return this.controller !== null;
  }

  /** A Response that delivers this stream's events from now on, after replaying those after `afterSeq`. */
  connect(afterSeq: number | null): Response {
    this.detach();
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        if (afterSeq !== null) for (const event of this.log) if (event.seq > afterSeq) controller.enqueue(this.frame(event));
        // A resumed stream that already ended (its answer was sent) replays and closes, as the MCP spec says a POST stream should.
        if (this.isFinished) return controller.close();
        this.controller = controller;
        // A first chunk makes the server send the response head now rather than with the first event.
        controller.enqueue(encoder.encode(": stream open\n\n"));
        this.heartbeat = setInterval(() => this.write(": keepalive\n\n"), HEARTBEAT_MS);
      },
      cancel: () => this.detach(),
    });
    return new Response(body, {
      status: 200,
      headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" },
    });
  }

  /** Sends one JSON-RPC message as an event (logged for replay even while no client is connected). */
  send(message: unknown): void {
    const event = { seq: ++this.seq, data: JSON.stringify(message), at: Date.now() };
    this.lastActivityAt = event.at;
    this.log.push(event);
    this.trimLog(event.at);
    if (this.controller) this.write(this.frame(event));
  }

  /** Ends the HTTP response (the stream's log stays for a resuming client). */
  end(): void {
    this.isFinished = true;
    const controller = this.controller;
    this.detach();
    try {
      controller?.close();
    } catch {
      // already closed by the client
    }
  }

  private frame(event: LoggedEvent): Uint8Array {
    return encoder.encode(`id: ${this.id}:${event.seq}\nevent: message\ndata: ${event.data}\n\n`);
  }

  private write(chunk: string | Uint8Array): void {
    try {
      this.controller?.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    } catch {
      this.detach();
    }
  }

  private trimLog(now: number): void {
    const oldest = now - this.limits.ttlSeconds * 1000;
    while (this.log.length > this.limits.maxEvents || (this.log[0] && this.log[0].at < oldest)) this.log.shift();
  }

  private detach(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.controller = null;
  }
}

/** Splits a Last-Event-ID into the stream id and the sequence number, or null when malformed. */
export function parseEventId(value: string | null): { streamId: string; seq: number } | null {
  const match = value?.match(/^(.+):(\d+)$/);
  return match ? { streamId: match[1]!, seq: Number(match[2]) } : null;
}
