/**
 * Which host a run goes to (docs/hosts-and-automations.md#dispatch-and-runs): the pinned host, else the host
 * of the pinned workspace or of the project, else any online host the owner may use — their own
 * first. Decided for the owner, not for whoever is calling, and refused with a sentence when the
 * host is offline (`skipped_offline`, naming it and since when) or cannot be used at all
 * (`dispatch_failed`). One chooser serves one batch of runs and remembers what it looked up.
 */
import type { HostHub } from "../hosts/hub.ts";
import type { Actor } from "../services/actor.ts";
import type { RunRefusal } from "../services/automation-runs.ts";
import type { HostRegistration } from "../services/hosts.ts";
import type { Services } from "../services/index.ts";

/** Where an automation asked to run. */
export interface RunTarget {
  organizationId: string;
  ownerUserId: string;
  targetHostId: string | null;
  projectId: string | null;
  workspaceId: string | null;
}

export type HostChoice = { host: HostRegistration; refusal: null } | { host: HostRegistration | null; refusal: RunRefusal };

const failed = (error: string, host: HostRegistration | null = null): HostChoice => ({ host, refusal: { status: "dispatch_failed", error } });

export function createHostChooser(services: Services, hub: Pick<HostHub, "isOnline" | "offlineSentence">) {
  const owners = new Map<string, Promise<{ actor: Actor; hosts: HostRegistration[] } | { refused: string }>>();
  const machines = new Map<string, Promise<string | null>>();

  /** The owner as an actor of the automation's organization, and the hosts they may use. */
  function ownerOf(target: RunTarget) {
    const key = `${target.organizationId}/${target.ownerUserId}`;
    let found = owners.get(key);
    if (!found) {
      found = (async () => {
        const user = await services.accounts.requireUser(target.ownerUserId).catch(() => null);
        if (!user) return { refused: "its owner no longer exists" };
        const actor = await services.accounts.resolveActor(user.username, target.organizationId);
        if ("refused" in actor) return { refused: `its owner cannot act there (${actor.refused})` };
        return { actor, hosts: await services.hosts.listForActor(actor) };
      })();
      owners.set(key, found);
    }
    return found;
  }

  /** The machine the pinned workspace or the project lives on, from the hosts' records. */
  function recordedMachine(target: RunTarget): Promise<string | null> {
    const key = target.workspaceId ? `w/${target.workspaceId}` : `p/${target.projectId}`;
    let found = machines.get(key);
    if (!found) {
      const { automationPlacement } = services;
      found = target.workspaceId
        ? automationPlacement
            .workspaceHost(target.organizationId, target.workspaceId, { archived: true })
            .then(async (workspace) => workspace?.machineId ?? (target.projectId ? automationPlacement.projectHost(target.organizationId, target.projectId) : null))
        : automationPlacement.projectHost(target.organizationId, target.projectId!);
      machines.set(key, found);
    }
    return found;
  }

  /** Choices by owner and wanted host: thousands of runs due at once mostly share a few, and an offline sentence costs an Error each. */
  const choices = new Map<string, HostChoice>();

  return {
    async choose(target: RunTarget): Promise<HostChoice> {
      const wanted = target.targetHostId ?? (target.workspaceId || target.projectId ? await recordedMachine(target) : null);
      const key = `${target.organizationId}/${target.ownerUserId}/${wanted ?? "any"}`;
      let choice = choices.get(key);
      if (!choice) {
        choice = await chooseFor(target, wanted);
        choices.set(key, choice);
      }
      return choice;
    },
  };

  /** The choice for an owner and the host the automation wants (null: any of theirs). */
  async function chooseFor(target: RunTarget, wanted: string | null): Promise<HostChoice> {
    const owner = await ownerOf(target);
    if ("refused" in owner) return failed(`This automation cannot run: ${owner.refused}; an organization admin can delete it or recreate it for a current member.`);
    if (wanted) {
      const host = owner.hosts.find((candidate) => candidate.id === wanted);
      if (!host)
        return failed(`Host ${wanted} is not one ${owner.actor.username} may use any more (revoked, or access withdrawn); pin another host with automations_update, or ask an admin for access.`);
      return (await hub.isOnline(host.registrationId)) ? { host, refusal: null } : { host, refusal: { status: "skipped_offline", error: hub.offlineSentence(host) } };
    }
    if (owner.hosts.length === 0) return failed(`${owner.actor.username} has no host to run this automation on; register one with "superset hosts register" and start its agent.`);
    const reachable = await Promise.all(owner.hosts.map((host) => hub.isOnline(host.registrationId)));
    const online = owner.hosts.filter((_, index) => reachable[index]);
    const chosen = online.find((host) => host.ownerUserId === target.ownerUserId) ?? online[0];
    if (chosen) return { host: chosen, refusal: null };
    const away = owner.hosts.map((host) => `"${host.name}" (${host.id}) ${host.lastSeenAt ? `since ${host.lastSeenAt}` : "never connected"}`);
    return {
      host: owner.hosts[0]!,
      refusal: {
        status: "skipped_offline",
        error: `None of ${owner.actor.username}'s hosts is online: ${away.join(", ")}; start an agent with "superset host run" (or "systemctl --user start superset-host").`,
      },
    };
  }
}

export type HostChooser = ReturnType<typeof createHostChooser>;
