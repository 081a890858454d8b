/** A stand-in for the server's /hosts/connect (Bun.serve): welcomes every hello, keeps every frame, and lets a test answer or drop the socket. */
import type { ServerWebSocket } from "bun";
import type { HostFrame, ServerFrame } from "../../src/hosts/protocol.ts";
import { eventually } from "../helpers/eventually.ts";

/** A frame the agent sent, with the number of the connection it came on (1 for the first). */
export type Received = HostFrame & { connection: number };

/** `onFrame` sees each frame after it is kept (and after a hello was welcomed). */
export function standInServer(onFrame: (frame: Received, socket: ServerWebSocket) => void = () => {}) {
  const frames: Received[] = [];
  let connections = 0;
  let current: ServerWebSocket | undefined;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request, srv) => (srv.upgrade(request) ? undefined : new Response("upgrade", { status: 400 })),
    websocket: {
      open(ws) {
        connections++;
        current = ws;
      },
      message(ws, raw) {
        const frame = { ...(JSON.parse(String(raw)) as HostFrame), connection: connections };
        frames.push(frame);
        if (frame.type === "hello") send({ type: "welcome", hostId: frame.hostId, organizationId: "org-1", heartbeatSeconds: 15 }, ws);
        onFrame(frame, ws);
      },
    },
  });

  function send(frame: ServerFrame, ws = current): void {
    ws?.send(JSON.stringify(frame));
  }

  return {
    url: `http://127.0.0.1:${server.port}`,
    frames,
    connections: () => connections,
    send,
    /** Drops the current socket as a restarting server would; the agent reconnects by itself. */
    drop: () => current?.close(1012, "restarting"),
    /** The frames of `type` received so far. */
    of: <T extends HostFrame["type"]>(type: T) => frames.filter((frame): frame is Extract<Received, { type: T }> => frame.type === type),
    /** Waits until `count` frames of `type` arrived, and answers them. */
    waitFor: <T extends HostFrame["type"]>(type: T, count = 1, timeoutMs = 20_000) =>
      eventually(
        `${count} "${type}" frame(s)`,
        () => {
          const found = frames.filter((frame): frame is Extract<Received, { type: T }> => frame.type === type);
          return found.length >= count ? found : undefined;
        },
        timeoutMs,
      ),
    stop: () => server.stop(true),
  };
}

export type StandInServer = ReturnType<typeof standInServer>;
