/** What the host tools and the scheduler reach the host agents through. */
import type { RunDispatcher } from "../scheduler/dispatch.ts";
import type { HostHub } from "./hub.ts";
import type { WirePreset } from "./protocol.ts";

/** The hub that reaches the connected agents, the agent presets (built-ins merged with AGENT_PRESETS) and the dispatcher of automation runs. */
export interface HostAccess {
  hub: HostHub;
  presets: readonly WirePreset[];
  runs: RunDispatcher;
}
