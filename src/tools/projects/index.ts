import { projectsCreate } from "./create.ts";
import { projectsList } from "./list.ts";

export const projectTools = [projectsList, projectsCreate];
