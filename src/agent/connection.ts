/**
 * The agent's WebSocket to the server: connects with its host token, says hello with a fresh
 * inventory each time, beats every 15 s, and reconnects by itself with exponential backoff
 * (1 s doubling to 30 s, with jitter so a fleet restarting together does not arrive together).
 * Given several server URLs (replicas of one deployment), each attempt after a disconnect or a
 * failed connect goes to the next URL in turn, so losing one replica needs no balancer.
 */
import { CloseCode, HEARTBEAT_INTERVAL_SECONDS, HOST_CONNECT_PATH, parseFrame, serverFrameSchema, type HostFrame, type ServerFrame } from "../hosts/protocol.ts";
import { log } from "../log.ts";

export type HelloFrame = Extract<HostFrame, { type: "hello" }>;
export type CommandFrame = Extract<ServerFrame, { type: "command" }>;

export interface ConnectionOptions {
  /** The server's base URLs (http or https), tried in turn; `/mcp` or any other path is ignored. At least one. */
  serverUrls: readonly string[];
  token: string;
  hello(): Promise<HelloFrame>;
  onCommand(frame: CommandFrame): void;
  /** The server refused this agent for good (token revoked, another machine's token, replaced). */
  onRefused(reason: string): void;
  onWelcome?(frame: Extract<ServerFrame, { type: "welcome" }>): void;
  /** The server stored the report of this automation run. */
  onRunAck?(runId: string): void;
  /** The caller of command `id` went away: stop it if it still runs. */
  onAbort?(id: string): void;
}

const BACKOFF_START_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
const PERMANENT_CLOSE_CODES = new Set<number>([CloseCode.tokenRejected, CloseCode.hostIdMismatch, CloseCode.replaced]);

/** ws(s)://host:port/hosts/connect for an http(s) server URL. */
export function connectUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`--server must be an http:// or https:// URL (got "${serverUrl}").`);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = HOST_CONNECT_PATH;
  url.search = "";
  return url.toString();
}

/**
 * The URLs of `--server` values: each may be a comma-separated list; blanks are ignored and
 * repeats dropped. Throws, naming the value, for one that is not an http(s) URL.
 */
export function serverUrlList(values: readonly string[]): string[] {
  const urls = values
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value !== "");
  for (const url of urls) connectUrl(url);
  return [...new Set(urls)];
}

/** The delay before reconnect attempt `attempt` (0-based): half fixed, half random. */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

export function connectToServer(options: ConnectionOptions) {
  if (options.serverUrls.length === 0) throw new Error("The agent needs at least one server URL.");
  const urls = options.serverUrls.map(connectUrl);
  /** The index of the URL the next attempt uses: it moves on after each disconnect or failed attempt. */
  let next = 0;
  let socket: WebSocket | null = null;
  let welcomed = false;
  let attempt = 0;
  let stopped = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;

  function open(): void {
    if (stopped) return;
    welcomed = false;
    const url = urls[next]!;
    // Bun's WebSocket takes headers, so the token travels in Authorization like every other credential.
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${options.token}` } } as unknown as string[]);
    socket = ws;
    ws.onopen = async () => {
      try {
        ws.send(JSON.stringify(await options.hello()));
      } catch (error) {
        log.error("could not build hello", { error: String(error) });
        ws.close(1011, "hello failed");
        return;
      }
      heartbeat = setInterval(() => send({ type: "heartbeat" }), HEARTBEAT_INTERVAL_SECONDS * 1000);
    };
    ws.onmessage = (event) => {
      const frame = parseFrame(serverFrameSchema, typeof event.data === "string" ? event.data : String(event.data));
      if (!frame) {
        log.warn("ignored a malformed frame from the server");
        return;
      }
      if (frame.type === "welcome") {
        welcomed = true;
        attempt = 0;
        log.info("connected", { server: url, hostId: frame.hostId });
        options.onWelcome?.(frame);
        return;
      }
      if (frame.type === "runAck") return void options.onRunAck?.(frame.runId);
      if (frame.type === "abort") return void options.onAbort?.(frame.id);
      options.onCommand(frame);
    };
    ws.onclose = (event) => {
      clearInterval(heartbeat);
      if (socket === ws) socket = null;
      if (stopped) return;
      if (PERMANENT_CLOSE_CODES.has(event.code)) {
        stopped = true;
        options.onRefused(event.reason || `closed with code ${event.code}`);
        return;
      }
      const delay = backoffDelayMs(attempt++);
      next = (next + 1) % urls.length;
      log.warn(welcomed ? "disconnected; reconnecting" : "could not connect; retrying", {
        server: url,
        ...(urls.length > 1 && { nextServer: urls[next] }),
        code: event.code,
        reason: event.reason,
        retryInMs: Math.round(delay),
      });
      retry = setTimeout(open, delay);
    };
    // An error is always followed by close, where the retry is scheduled.
    ws.onerror = () => undefined;
  }

  /** Sends a frame when connected; a frame sent while away is dropped (the server re-sends what it still waits for). */
  function send(frame: HostFrame): boolean {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  open();
  return {
    send,
    isConnected: () => welcomed && socket?.readyState === WebSocket.OPEN,
    stop(): void {
      stopped = true;
      clearTimeout(retry);
      clearInterval(heartbeat);
      socket?.close(1000, "agent stopping");
    },
  };
}

export type ServerConnection = ReturnType<typeof connectToServer>;
