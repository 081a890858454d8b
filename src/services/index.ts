/** The services: the only code that touches the database. Built once per process from a database and a clock. */
import type { Database } from "../db/client.ts";
import { createAccountService } from "./accounts.ts";
import { createApiKeyService } from "./api-keys.ts";
import type { ServiceContext } from "./context.ts";
import { createHostRecordService } from "./host-records.ts";
import { createHostService } from "./hosts.ts";
import { createMemberService } from "./members.ts";
import { createStatusService } from "./statuses.ts";
import { createTaskService } from "./tasks.ts";

export function createServices(db: Database, now: () => Date = () => new Date()) {
  const context: ServiceContext = { db, now };
  const statuses = createStatusService(context);
  return {
    db,
    accounts: createAccountService(context),
    statuses,
    tasks: createTaskService(context, statuses),
    members: createMemberService(context),
    apiKeys: createApiKeyService(context),
    /** Registrations, tokens, presence and access; also the record methods of `hostRecords`. */
    hosts: createHostService(context),
    hostRecords: createHostRecordService(context),
  };
}

export type Services = ReturnType<typeof createServices>;
