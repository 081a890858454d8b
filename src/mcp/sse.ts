/**
 * One HTTP connection of a legacy SSE stream (a session's GET, or a POST answered as SSE), held by
 * the process that accepted it. Events carry ids `<streamId>:<n>`, the number the event log gave
 * them (session-store/), so a client that lost the connection can resume with Last-Event-ID on any
 * replica. A comment every 15 seconds keeps proxies and load balancers from cutting an idle stream.
 *
 * A resumed connection replays the logged events first; live events that arrive meanwhile wait and
 * are sent after the replay, each once (an event the replay already gave is not sent again).
 */
import { SSE_HEADERS } from "./modern-sse.ts";

const HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

/** One SSE response; `onClose` runs once, when the client went away or the connection was ended. */
export class SseConnection {
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  /** Live events held back while the replay is read, or null once it was sent. */
  private held: { seq: number; data: string }[] | null;
  private lastSeq = 0;
  private closed = false;
  readonly response: Response;

  constructor(
    readonly streamId: string,
    readonly sessionId: string,
    /** The session's GET stream: the one a shutdown ends. */
    readonly isStandalone: boolean,
    private readonly onClose: (connection: SseConnection) => void,
    /** Whether a replay will come (a Last-Event-ID): until then live events are held. */
    awaitsReplay: boolean,
  ) {
    this.held = awaitsReplay ? [] : null;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
        // A first chunk makes the server send the response head now rather than with the first event.
        controller.enqueue(encoder.encode(": stream open\n\n"));
        this.heartbeat = setInterval(() => this.write(": keepalive\n\n"), HEARTBEAT_MS);
      },
      cancel: () => this.detach(),
    });
    this.response = new Response(body, { status: 200, headers: SSE_HEADERS });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends one logged event (a live one is held while a replay is pending). */
  deliver(seq: number, data: string): void {
    if (this.held) return void this.held.push({ seq, data });
    this.emit(seq, data);
  }

  /** Sends the replayed events, then the live ones held meanwhile that the replay did not cover; `finished` closes after. */
  replayed(events: readonly { seq: number; data: string }[], finished: boolean): void {
    const held = this.held ?? [];
    this.held = null;
    for (const event of events) this.emit(event.seq, event.data);
    const replayedUpTo = this.lastSeq;
    for (const event of held) if (event.seq > replayedUpTo) this.emit(event.seq, event.data);
    if (finished) this.end();
  }

  /** Sends an event the log could not take (the store failed): without an id, since no replica could replay it. */
  sendUnlogged(data: string): void {
    this.write(`event: message\ndata: ${data}\n\n`);
  }

  /** Ends the HTTP response (the stream's log stays for a resuming client). */
  end(): void {
    const controller = this.controller;
    this.detach();
    try {
      controller?.close();
    } catch {
      // already closed by the client
    }
  }

  private emit(seq: number, data: string): void {
    this.lastSeq = seq;
    this.write(`id: ${this.streamId}:${seq}\nevent: message\ndata: ${data}\n\n`);
  }

  private write(chunk: string): void {
    try {
      this.controller?.enqueue(encoder.encode(chunk));
    } catch {
      this.detach();
    }
  }

  private detach(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.controller = null;
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
  }
}

/** Splits a Last-Event-ID into the stream id and the sequence number, or null when malformed. */
export function parseEventId(value: string | null): { streamId: string; seq: number } | null {
  const match = value?.match(/^(.+):(\d+)$/);
  return match ? { streamId: match[1]!, seq: Number(match[2]) } : null;
}
