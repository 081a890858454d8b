/**
 * The words of a run: its title in automations_logs, the header put before the prompt (so the
 * agent knows which automation and run it is and what time it stands for), and the name and
 * branch of the workspace a run gets. Times are shown as wall-clock times of the automation's zone.
 */
import type { RunTrigger } from "../db/schema/values.ts";

/** One formatter per zone: making an Intl.DateTimeFormat costs far more than using one, and a wake-up titles thousands of runs. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** "2026-11-23 09:00" in `timeZone`. */
export function wallClock(at: Date, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(at).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

export interface RunDescription {
  automationName: string;
  timeZone: string;
  trigger: RunTrigger;
  scheduledFor: Date;
  coveredCount: number;
}

export function runTitle(run: RunDescription): string {
  const when = `${wallClock(run.scheduledFor, run.timeZone)} ${run.timeZone}`;
  if (run.trigger === "manual") return `${run.automationName} (run now, ${when})`;
  if (run.trigger === "catch_up") return `${run.automationName} (catch-up for ${run.coveredCount} missed runs from ${when})`;
  return `${run.automationName} (${when})`;
}

/** The prompt as the agent receives it: a short header, a blank line, then the prompt unchanged. */
export function promptWithHeader(run: RunDescription & { automationId: string; runId: string }, prompt: string): string {
  const covered = run.trigger === "catch_up" ? ` (one run for ${run.coveredCount} occurrences missed while no scheduler ran)` : "";
  return [
    `Superset automation "${run.automationName}" (automation ${run.automationId}, run ${run.runId})`,
    `Scheduled for ${run.scheduledFor.toISOString()} = ${wallClock(run.scheduledFor, run.timeZone)} ${run.timeZone}${covered}.`,
    "",
    prompt,
  ].join("\n");
}

/** A new workspace's name and branch, unique per run: "automation/nightly-triage-20261123-0900-1a2b3c4d". */
export function runWorkspaceNaming(run: RunDescription & { runId: string }): { name: string; branch: string } {
  const slug =
    run.automationName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40)
      .replace(/-+$/, "") || "run";
  const stamp = wallClock(run.scheduledFor, run.timeZone).replace(/[-:]/g, "").replace(" ", "-");
  return { name: `${run.automationName} ${wallClock(run.scheduledFor, run.timeZone)}`, branch: `automation/${slug}-${stamp}-${run.runId.slice(0, 8)}` };
}
