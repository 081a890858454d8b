import * as v from "valibot";
import type { WirePreset } from "../../hosts/protocol.ts";
import { requireRole } from "../../services/actor.ts";
import { invalid, notFound } from "../../services/errors.ts";
import { positiveInt, uuid } from "../schemas.ts";
import { defineTool, type ToolContext } from "../types.ts";
import { findHost, onHost, workspaceView } from "../hosts/on-host.ts";
import { hostIdInput, workspaceOutput } from "../hosts/schemas.ts";
import { boundedArray, boundedText, LIMITS } from "../limits.ts";

const launched = v.object({ ok: v.boolean(), sessionId: v.optional(v.string()), label: v.optional(v.string()), error: v.optional(v.string()) });

/** The preset named `agent`, or a sentence saying which ones exist. */
export function findPreset({ hosts }: ToolContext, agent: string): WirePreset | string {
  return hosts.presets.find((preset) => preset.id === agent) ?? `Unknown agent "${agent}"; the agents are ${hosts.presets.map((preset) => preset.id).join(", ")} (see agents_list).`;
}

export const workspacesCreate = defineTool({
  name: "workspaces_create",
  description:
    "Create a workspace on a host (hostId from hosts_list). With projectId (from projects_list): a git worktree for branch (new branches fork from baseBranch or the default branch; an existing or remote branch is checked out), or for pr (needs the gh CLI on the host). Without projectId: a session workspace, a fresh git repository. taskId moves that task to started. agents start coding agents with their prompts and command runs a command, each in its own terminal. Calling it again for the same project and branch returns the existing workspace with alreadyExists: true.",
  input: v.strictObject({
    hostId: hostIdInput(),
    name: boundedText(LIMITS.name, 1),
    projectId: v.optional(uuid()),
    branch: v.optional(boundedText(LIMITS.branch, 1)),
    pr: v.optional(positiveInt(LIMITS.prNumber)),
    baseBranch: v.optional(boundedText(LIMITS.branch)),
    taskId: v.optional(uuid()),
    agents: v.optional(
      boundedArray(v.strictObject({ agent: boundedText(LIMITS.name, 1), prompt: boundedText(LIMITS.prompt, 1), attachmentIds: v.optional(boundedArray(uuid(), LIMITS.attachments)) }), LIMITS.agents),
    ),
    command: v.optional(boundedText(LIMITS.command, 1)),
  }),
  output: v.object({ workspace: workspaceOutput, terminals: v.array(v.object({ terminalId: v.string(), label: v.string() })), agents: v.array(launched), alreadyExists: v.boolean() }),
  annotations: { title: "Create a workspace on a host", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  // Whether the project has a setup script only the host knows, so every call may be a task; most answer in time.
  task: { answerWithinMs: 2000 },
  async handler(args, context) {
    const { services, actor } = context;
    requireRole(actor, "member", "create workspaces");
    if (!args.projectId) {
      const projectOnly = (["branch", "pr", "baseBranch", "taskId"] as const).filter((key) => args[key] !== undefined);
      if (projectOnly.length) throw invalid(`${projectOnly.join(", ")} need a projectId (from projects_list); without one a session workspace is made.`);
    }
    if (args.branch !== undefined && args.pr !== undefined) throw invalid("Give branch or pr, not both: a pull request already names its branch.");
    if (args.agents?.some((agent) => agent.attachmentIds?.length)) throw invalid("Attachments are not stored by this server; put their content in the prompt instead.");
    if (args.taskId && !(await services.tasks.get(actor, args.taskId))) throw notFound(`Task ${args.taskId} not found in organization ${actor.organizationSlug}; call tasks_list to find its id.`);
    const host = await findHost(context, args.hostId);

    // Unknown agents are reported in agents[] where they were asked for; the others go to the host.
    const resolved = (args.agents ?? []).map((agent) => ({ agent, preset: findPreset(context, agent.agent) }));
    const toLaunch = resolved.flatMap(({ agent, preset }) => (typeof preset === "string" ? [] : [{ preset, prompt: agent.prompt }]));
    const answer = await onHost(context, host, "workspace.create", {
      workspaceId: crypto.randomUUID(),
      name: args.name,
      createdByUserId: actor.userId,
      ...(args.projectId && { projectId: args.projectId }),
      ...(args.branch !== undefined && { branch: args.branch }),
      ...(args.pr !== undefined && { pr: args.pr }),
      ...(args.baseBranch && { baseBranch: args.baseBranch }),
      ...(args.taskId && { taskId: args.taskId }),
      ...(toLaunch.length && { agents: toLaunch }),
      ...(args.command && { command: args.command }),
    });
    const hostAgents = [...answer.agents];
    // An existing workspace is returned as it is: nothing is launched again, so a retried call never starts agents twice.
    const notLaunched = answer.alreadyExists ? "Not started: the workspace already existed; start the agent in it with agents_create." : "The host did not report this agent.";
    const agents = resolved.map(({ preset }) => (typeof preset === "string" ? { ok: false, error: preset } : (hostAgents.shift() ?? { ok: false, error: notLaunched })));

    await services.hosts.saveWorkspace(host, answer.workspace, new Date());
    if (args.taskId) await services.tasks.startForWorkspace(actor, args.taskId);
    const project = answer.workspace.projectId ? await services.hosts.findProject(host, answer.workspace.projectId) : null;
    return { workspace: workspaceView(host, answer.workspace, project?.name ?? null), terminals: answer.terminals, agents, alreadyExists: answer.alreadyExists };
  },
});
