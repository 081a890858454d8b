import { tasksCreate } from "./create.ts";
import { tasksDelete } from "./delete.ts";
import { tasksGet } from "./get.ts";
import { tasksList } from "./list.ts";
import { tasksStatusesList } from "./statuses-list.ts";
import { tasksUpdate } from "./update.ts";

export const taskTools = [tasksList, tasksGet, tasksCreate, tasksUpdate, tasksDelete, tasksStatusesList];
