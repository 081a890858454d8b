/** Structured logging to stderr: one JSON object per line, or readable text on a terminal. */
export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

interface LogSettings {
  format: "text" | "json";
  minimum: LogLevel;
  write: (line: string) => void;
}

const settings: LogSettings = {
  format: process.stderr.isTTY ? "text" : "json",
  minimum: "info",
  write: (line) => process.stderr.write(line + "\n"),
};

/** Changes where and how log lines go; the server calls it once the config is loaded. */
export function configureLog(update: Partial<LogSettings>): void {
  Object.assign(settings, update);
}

function emit(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  if (LEVEL_RANK[level] < LEVEL_RANK[settings.minimum]) return;
  if (settings.format === "json") {
    settings.write(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
    return;
  }
  const extra = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  settings.write([new Date().toISOString(), level.toUpperCase().padEnd(5), message, ...extra].join(" "));
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => emit("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => emit("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => emit("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => emit("error", message, fields),
};
