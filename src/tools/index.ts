/** Every tool, in the order of the catalog (tests/tools/spec/tools.md); tools/list returns them in this order. */
import { agentTools } from "./agents/index.ts";
import { automationTools } from "./automations/index.ts";
import { hostsList } from "./hosts/list.ts";
import { organizationMembersList } from "./organization/members-list.ts";
import { projectTools } from "./projects/index.ts";
import { healthCheck } from "./service/health-check.ts";
import { taskTools } from "./tasks/index.ts";
import { terminalTools } from "./terminals/index.ts";
import type { AnyTool } from "./types.ts";
import { workspaceTools } from "./workspaces/index.ts";

export const ALL_TOOLS: readonly AnyTool[] = [...taskTools, organizationMembersList, ...automationTools, ...workspaceTools, ...projectTools, ...agentTools, ...terminalTools, hostsList, healthCheck];
