import * as v from "valibot";
import { MEMBER_ROLES } from "../../db/schema/values.ts";
import { nullable } from "../schemas.ts";
import { defineTool } from "../types.ts";
import { boundedInt, boundedText, LIMITS } from "../limits.ts";

export const organizationMembersList = defineTool({
  name: "organization_members_list",
  description: "List members of the organization with their user id (use it as assigneeId), name, username, email and role. search matches name, username or email.",
  input: v.strictObject({
    search: nullable(boundedText(LIMITS.search, 1)),
    limit: v.optional(boundedInt(1, 100), 50),
  }),
  output: v.object({
    members: v.array(v.object({ id: v.string(), name: v.string(), username: v.string(), email: v.nullable(v.string()), role: v.picklist(MEMBER_ROLES) })),
  }),
  annotations: { title: "List organization members", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(args, { services, actor }) {
    return { members: await services.members.list(actor, args) };
  },
});
