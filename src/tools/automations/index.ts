import { automationsCreate } from "./create.ts";
import { automationsDelete } from "./delete.ts";
import { automationsGet } from "./get.ts";
import { automationsGetPrompt } from "./get-prompt.ts";
import { automationsList } from "./list.ts";
import { automationsLogs } from "./logs.ts";
import { automationsPause } from "./pause.ts";
import { automationsResume } from "./resume.ts";
import { automationsRun } from "./run.ts";
import { automationsSetPrompt } from "./set-prompt.ts";
import { automationsUpdate } from "./update.ts";

/** In the catalog's order (tests/tools/spec/tools.md#automations). */
export const automationTools = [
  automationsList,
  automationsGet,
  automationsGetPrompt,
  automationsCreate,
  automationsUpdate,
  automationsSetPrompt,
  automationsDelete,
  automationsPause,
  automationsResume,
  automationsRun,
  automationsLogs,
];
