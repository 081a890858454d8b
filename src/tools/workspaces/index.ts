import { workspacesCreate } from "./create.ts";
import { workspacesDelete } from "./delete.ts";
import { workspacesList } from "./list.ts";
import { workspacesMcpConfigList } from "./mcp-config-list.ts";
import { workspacesUpdate } from "./update.ts";

export const workspaceTools = [workspacesList, workspacesCreate, workspacesUpdate, workspacesDelete, workspacesMcpConfigList];
