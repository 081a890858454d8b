/** Automations for tests: a valid input to vary, the preset ids, and a host with a project and a workspace on record. */
import type { Actor } from "../../src/services/actor.ts";
import type { NewAutomation } from "../../src/services/automations.ts";
import type { Services } from "../../src/services/index.ts";

export const AGENTS = ["claude", "codex", "fake"] as const;

/** "Weekdays at 9:00, Berlin time" for `claude`, with `overrides`. */
export function weekdays(overrides: Partial<NewAutomation> = {}): NewAutomation {
  return { name: "Triage", prompt: "Triage new issues.", agent: "claude", rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0", timezone: "Europe/Berlin", ...overrides };
}

/**
 * A row of the automations table, enabled and due at `nextRunAt` (hourly at :00, UTC, for
 * `claude`), for tests that insert many at once instead of creating each through the service.
 */
export function dueAutomationRow(owner: Actor, name: string, nextRunAt: Date, dtstart: Date, createdAt = new Date()) {
  return {
    id: crypto.randomUUID(),
    organizationId: owner.organizationId,
    ownerUserId: owner.userId,
    name,
    agent: "claude",
    prompt: "Triage.",
    promptVersion: 1,
    rrule: "FREQ=HOURLY;BYMINUTE=0",
    dtstart,
    timezone: "UTC",
    enabled: true,
    nextRunAt,
    // In UTC the wall time is the instant's own.
    nextRunLocal: nextRunAt.toISOString().slice(0, 19),
    createdAt,
    updatedAt: createdAt,
  };
}

/** A host of `actor`, connected once, that reported one project and one worktree workspace of it. */
export async function connectedHostWithRecords(services: Services, actor: Actor, name: string) {
  const { host } = await services.hosts.register({ organizationId: actor.organizationId, ownerUserId: actor.userId, name });
  const machineId = crypto.randomUUID().replaceAll("-", "");
  const connected = await services.hosts.recordConnection(host.registrationId, { machineId, platform: "linux", agentVersion: "test" });
  if ("refused" in connected) throw new Error(connected.refused);
  const at = new Date().toISOString();
  const project = { id: crypto.randomUUID(), name: `${name}-repo`, repoPath: `/srv/${name}`, repoUrl: null, defaultBranch: "main", createdAt: at, updatedAt: at };
  const workspace = {
    id: crypto.randomUUID(),
    projectId: project.id,
    name: "feature",
    branch: "feature",
    type: "worktree" as const,
    worktreePath: `/srv/${name}-feature`,
    worktreeExists: true,
    taskId: null,
    createdByUserId: actor.userId,
    createdAt: at,
    updatedAt: at,
  };
  await services.hosts.saveProject(connected.host, project, new Date());
  await services.hosts.saveWorkspace(connected.host, workspace, new Date());
  return { registration: connected.host, machineId, project, workspace };
}
