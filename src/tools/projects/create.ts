import * as v from "valibot";
import { invalid } from "../../services/errors.ts";
import { defineTool } from "../types.ts";
import { findHost, onHost, projectView } from "../hosts/on-host.ts";
import { hostIdInput, projectOutput } from "../hosts/schemas.ts";
import { boundedText, LIMITS } from "../limits.ts";

export const projectsCreate = defineTool({
  name: "projects_create",
  description:
    "Add a git project to a host (hostId from hosts_list). Give exactly one of gitUrl (cloned with the host's own git credentials into its projects folder, or parentDir) or localPath (an existing folder on the host; initIfNeeded runs git init first). Importing a path that is already a project returns it with created: false. Returns {project, mainWorkspaceId, created}; the project's main workspace is its own folder.",
  input: v.strictObject({
    hostId: hostIdInput(),
    name: v.optional(boundedText(LIMITS.name, 1)),
    gitUrl: v.optional(boundedText(LIMITS.url, 1)),
    localPath: v.optional(boundedText(LIMITS.path, 1)),
    parentDir: v.optional(boundedText(LIMITS.path, 1)),
    initIfNeeded: v.optional(v.boolean()),
  }),
  output: v.object({ project: projectOutput, mainWorkspaceId: v.string(), created: v.boolean() }),
  annotations: { title: "Add a project to a host", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  // A clone can take minutes; an import answers at once.
  task: { when: (args) => args.gitUrl !== undefined },
  async handler(args, context) {
    if ((args.gitUrl === undefined) === (args.localPath === undefined)) throw invalid("Give exactly one of gitUrl (to clone) and localPath (to import a folder on the host).");
    if (args.parentDir !== undefined && args.gitUrl === undefined) throw invalid("parentDir only goes with gitUrl: it is where the clone is made.");
    if (args.initIfNeeded !== undefined && args.localPath === undefined) throw invalid("initIfNeeded only goes with localPath.");
    const host = await findHost(context, args.hostId);
    const { hostId: _hostId, ...params } = args;
    const answer = await onHost(context, host, "project.create", { projectId: crypto.randomUUID(), ...params });
    const at = new Date();
    await context.services.hosts.saveProject(host, answer.project, at);
    await context.services.hosts.saveWorkspace(host, answer.mainWorkspace, at);
    return { project: projectView(answer.project), mainWorkspaceId: answer.mainWorkspace.id, created: answer.created };
  },
});
