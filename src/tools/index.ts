/** Every tool, in the order of spec/tools.md; tools/list returns them in this order. */
import { organizationMembersList } from "./organization/members-list.ts";
import { healthCheck } from "./service/health-check.ts";
import { taskTools } from "./tasks/index.ts";
import type { AnyTool } from "./types.ts";

export const ALL_TOOLS: readonly AnyTool[] = [...taskTools, organizationMembersList, healthCheck];
