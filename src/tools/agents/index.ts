import { agentsCreate } from "./create.ts";
import { agentsList } from "./list.ts";

export const agentTools = [agentsList, agentsCreate];
