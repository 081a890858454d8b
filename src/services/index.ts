/** The services: the only code that touches the database. Built once per process from a database and a clock. */
import type { Database } from "../db/client.ts";
import { createAccountService } from "./accounts.ts";
import { createApiKeyService } from "./api-keys.ts";
import { createAutomationClaims } from "./automation-claims.ts";
import { createAutomationPlacement } from "./automation-placement.ts";
import { createAutomationRunService } from "./automation-runs.ts";
import { createAutomationService } from "./automations.ts";
import type { ServiceContext } from "./context.ts";
import { createHostRecordService } from "./host-records.ts";
import { createHostService } from "./hosts.ts";
import { createMemberService } from "./members.ts";
import { createOAuthClientService } from "./oauth-clients.ts";
import { createOAuthGrantService } from "./oauth-grants.ts";
import { createSigningKeyService } from "./signing-keys.ts";
import { createStatusService } from "./statuses.ts";
import { createTaskService } from "./tasks.ts";
import { createWebSessionService } from "./web-sessions.ts";

export function createServices(db: Database, now: () => Date = () => new Date()) {
  const context: ServiceContext = { db, now };
  const statuses = createStatusService(context);
  const hosts = createHostService(context);
  const automationPlacement = createAutomationPlacement(context, hosts);
  return {
    db,
    accounts: createAccountService(context),
    statuses,
    tasks: createTaskService(context, statuses),
    members: createMemberService(context),
    apiKeys: createApiKeyService(context),
    /** Registrations, tokens, presence and access; also the record methods of `hostRecords`. */
    hosts,
    hostRecords: createHostRecordService(context),
    automations: createAutomationService(context, automationPlacement),
    /** Where automations run: checks of hosts, projects and workspaces against the hosts' records. */
    automationPlacement,
    /** What happens to a run after it is recorded, and how runs are read. */
    automationRuns: createAutomationRunService(context),
    /** The scheduler's atomic claims of due occurrences. */
    automationClaims: createAutomationClaims(context),
    /** OAuth clients of dynamic registration. */
    oauthClients: createOAuthClientService(context),
    /** Consents, authorization codes and refresh-token families. */
    oauthGrants: createOAuthGrantService(context),
    /** Signed-in sessions of the web pages. */
    webSessions: createWebSessionService(context),
    /** Rows of the OAuth server's signing keys (src/oauth/key-ring.ts does the crypto). */
    signingKeys: createSigningKeyService(context),
  };
}

export type Services = ReturnType<typeof createServices>;
