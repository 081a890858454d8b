import { terminalsClose } from "./close.ts";
import { terminalsCreate } from "./create.ts";
import { terminalsList } from "./list.ts";
import { terminalsRead } from "./read.ts";
import { terminalsSend } from "./send.ts";

export const terminalTools = [terminalsCreate, terminalsList, terminalsSend, terminalsRead, terminalsClose];
