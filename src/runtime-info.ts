/** Facts about the running server that health_check reports. */
export interface RuntimeInfo {
  startedAtMs: number;
  store: "memory" | "redis";
  schedulerRunning: boolean;
  hostsOnline(): number;
}
