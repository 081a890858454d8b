/**
 * How a caller runs one command on a host: its progress callback, timeout and cancellation. Its own
 * module so that the hub and the cross-replica routing (which forwards these) do not import each other.
 */

export type Progress = (progress: number, total?: number, message?: string) => void;

export interface CommandOptions {
  onProgress?: Progress;
  /** Defaults to HOST_COMMAND_TIMEOUT. */
  timeoutMs?: number;
  /** The caller went away: the call fails at once as cancelled and the host is told to stop the command. */
  signal?: AbortSignal;
}
