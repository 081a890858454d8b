/**
 * The session's GET stream (server-to-client messages). It must answer at once, so a client
 * knows the stream is open, and it must outlive Bun's default idle timeout of 10 seconds: a
 * stream is quiet between events, and a server that let Bun close it would make every client
 * reconnect every ten seconds and lose the messages sent in between.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createSandbox, type RunningServer, type Sandbox } from "../helpers/binary.ts";
import { openHttpSession as openSession } from "../helpers/http-session.ts";

// Building and starting the binary take seconds on a busy 2-core machine.
setDefaultTimeout(60_000);

const PROTOCOL_VERSION = "2025-11-25";
const RESPONSE_WITHIN_MS = 2_000;
const QUIET_MS = 12_000;
/** The server sends a keep-alive comment within this time of opening the stream. */
const FIRST_DATA_WITHIN_MS = 25_000;

/** GET of the session's stream; rejects when `signal` aborts before the response head arrives. */
function openStream(url: string, sessionId: string, signal: AbortSignal): Promise<Response> {
  return fetch(url, { headers: { Accept: "text/event-stream", "Mcp-Session-Id": sessionId, "MCP-Protocol-Version": PROTOCOL_VERSION }, signal });
}

describe("the GET stream of a session", () => {
  let sandbox: Sandbox;
  let server: RunningServer;

  beforeAll(async () => {
    sandbox = await createSandbox();
    server = await sandbox.start();
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  test("answers at once with an event stream", async () => {
    const sessionId = await openSession(server.url);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), RESPONSE_WITHIN_MS);
    try {
      const response = await openStream(server.url, sessionId, abort.signal).catch((error: Error) => {
        throw new Error(`the response head of the GET stream did not arrive within ${RESPONSE_WITHIN_MS} ms (${error.message})`);
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toStartWith("text/event-stream");
      await response.body?.cancel();
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  });

  test("stays open past Bun's 10 s idle timeout", async () => {
    const sessionId = await openSession(server.url);
    const abort = new AbortController();
    const opened = Date.now();
    const response = await openStream(server.url, sessionId, abort.signal);
    expect(response.status).toBe(200);

    // Read in the background: note when data arrives and when (if ever) the stream ends.
    const reader = response.body!.getReader();
    let firstDataAt: number | null = null;
    let ended: string | null = null;
    const reading = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return void (ended = `ended after ${Date.now() - opened} ms`);
          if (value.length) firstDataAt ??= Date.now();
        }
      } catch (error) {
        if (!abort.signal.aborted) ended = `failed after ${Date.now() - opened} ms: ${(error as Error).message}`;
      }
    })();

    try {
      await Bun.sleep(Math.max(0, opened + QUIET_MS - Date.now()));
      expect(ended, `the GET stream closed while quiet (${ended})`).toBeNull();
      // Still readable: the next thing on the stream arrives (the keep-alive comment), not its end.
      while (firstDataAt === null && ended === null && Date.now() - opened < FIRST_DATA_WITHIN_MS) await Bun.sleep(100);
      expect(ended, `the GET stream closed (${ended})`).toBeNull();
      expect(firstDataAt, `nothing arrived on the GET stream within ${FIRST_DATA_WITHIN_MS / 1000} s`).not.toBeNull();
    } finally {
      // Aborting alone leaves a pending read waiting for the next chunk; cancelling ends it now.
      abort.abort();
      await reader.cancel().catch(() => {});
      await reading;
    }
  }, 30_000);
});
