/**
 * Failures a caller can act on. Tools turn them into `isError` results carrying the message as
 * is, so every message is one plain sentence saying what was wrong and what to do.
 */
/** `unavailable`: a host is offline or did not answer in time; `failed`: a host tried and could not (a clone that failed); `cancelled`: the caller went away first. */
export type ServiceErrorKind = "not_found" | "invalid" | "forbidden" | "conflict" | "unavailable" | "failed" | "cancelled";

export class ServiceError extends Error {
  constructor(
    readonly kind: ServiceErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "ServiceError";
  }
}

export const notFound = (message: string) => new ServiceError("not_found", message);
export const invalid = (message: string) => new ServiceError("invalid", message);
export const forbidden = (message: string) => new ServiceError("forbidden", message);
export const conflict = (message: string) => new ServiceError("conflict", message);

/** True when a database error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  // drizzle wraps driver errors ("Failed query: …") and keeps the driver's error as `cause`.
  for (let current = error, depth = 0; current && depth < 5; current = (current as Error).cause, depth++) {
    const { code, errno, message } = current as { code?: unknown; errno?: unknown; message?: unknown };
    const text = `${String(code ?? "")} ${String(errno ?? "")} ${String(message ?? "")}`;
    if (/SQLITE_CONSTRAINT_UNIQUE|SQLITE_CONSTRAINT_PRIMARYKEY|23505|UNIQUE constraint failed|duplicate key/i.test(text)) return true;
  }
  return false;
}
