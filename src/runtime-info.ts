/** Facts about the running server that health_check reports. */
export interface RuntimeInfo {
  startedAtMs: number;
  store: "memory" | "redis";
  schedulerRunning: boolean;
  /** Hosts online across the fleet (with the Redis store, every replica's; else this process's). */
  hostsOnline(): number | Promise<number>;
  /** Hosts whose socket this process holds. */
  hostsConnectedHere(): number;
}
