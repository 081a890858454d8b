/**
 * `superset hosts …`: the operator registers machines (a host token, shown once), lists them,
 * grants and takes away their use, and revokes them. A host is named by its machine id, its
 * registration id or its name, within one organization.
 */
import { loadConfig, publicBaseUrl } from "../config/load.ts";
import type { HostListing } from "../services/host-access.ts";
import type { HostRegistration } from "../services/hosts.ts";
import type { Services } from "../services/index.ts";
import { CONFIG_OPTION, UsageError, type Command, type OptionSpec, type ParsedArgs } from "./command.ts";
import { JSON_OPTION, printJson, printTable, withServices } from "./shared.ts";

const ORG_OPTION: Record<string, OptionSpec> = { org: { type: "string", description: "Slug (or id) of the organization", valueName: "SLUG" } };
const HOST_OPTION: Record<string, OptionSpec> = { host: { type: "string", description: "The host: its machine id, registration id or name", valueName: "HOST" } };
const USER_OPTION = (description: string): Record<string, OptionSpec> => ({ user: { type: "string", description, valueName: "USERNAME" } });

/** The named options, or a usage error naming the missing ones and the full command. */
function required(values: ParsedArgs["values"], names: string[], usage: string): string[] {
  const missing = names.filter((name) => typeof values[name] !== "string" || values[name] === "");
  if (missing.length > 0) throw new UsageError(`Missing ${missing.map((name) => `--${name}`).join(" and ")}: run "superset ${usage}".`);
  return names.map((name) => values[name] as string);
}

/** Whether a registration works, as the list shows it. */
const hostStatus = (host: HostRegistration): "revoked" | "not connected yet" | "registered" => (host.revokedAt ? "revoked" : host.id === null ? "not connected yet" : "registered");
const described = (host: HostRegistration) => `host "${host.name}" (${host.id ?? `registration ${host.registrationId}`})`;

const findHost = (services: Services, organization: string, host: string) => services.hosts.findInOrganization(organization, host);

const hostsRegister: Command = {
  path: ["hosts", "register"],
  summary: "Register a machine as a host of a user in an organization; its token is printed once",
  options: {
    ...ORG_OPTION,
    ...USER_OPTION("Username (or id) of the host's owner"),
    name: { type: "string", description: "A name for the host (default: the name the machine reports)", valueName: "NAME" },
    server: { type: "string", description: "The server URL the machine connects to (default: MCP_SERVICE_URL, else the configured host and port)", valueName: "URL" },
    json: { ...JSON_OPTION.json, description: "Print the token and the registration as JSON" },
    ...CONFIG_OPTION,
  },
  async run({ values }) {
    const [organization, user] = required(values, ["org", "user"], "hosts register --org SLUG --user USERNAME");
    const server = (values.server as string | undefined) ?? publicBaseUrl((await loadConfig({ path: values.config as string | undefined })).config);
    return withServices(values, async (services) => {
      const { host, token } = await services.hosts.register({ organizationId: organization!, ownerUserId: user!, name: values.name as string | undefined });
      if (values.json) {
        printJson({ token, ...host });
        return 0;
      }
      console.log(`Registered host "${host.name}" for ${user} in ${organization} (registration ${host.registrationId}):\n\n  ${token}\n`);
      console.log("This token is shown once: copy it now. On the machine, run (the variable keeps the token out of ps):\n");
      console.log(`  SUPERSET_HOST_TOKEN=${token} superset host run --server ${server}`);
      return 0;
    });
  },
};

const hostsList: Command = {
  path: ["hosts", "list"],
  summary: "List an organization's hosts (by token prefix, never the token), with who may use them",
  options: { ...ORG_OPTION, all: { type: "boolean", description: "Include revoked hosts" }, ...JSON_OPTION, ...CONFIG_OPTION },
  async run({ values }) {
    const [organization] = required(values, ["org"], "hosts list --org SLUG");
    return withServices(values, async (services) => {
      const hosts: HostListing[] = await services.hosts.listForOrganization(organization!, { includeRevoked: values.all === true });
      if (values.json) printJson(hosts.map((host) => ({ ...host, status: hostStatus(host) })));
      else if (hosts.length === 0) console.log(`No hosts in ${organization}${values.all ? "" : " in use"}; register one with "superset hosts register --org ${organization} --user USERNAME".`);
      else
        printTable(
          ["NAME", "HOST ID", "OWNER", "USERS", "PLATFORM", "AGENT", "LAST SEEN", "STATUS", "PREFIX", "REGISTRATION"],
          hosts.map((host) => [
            host.name,
            host.id ?? "-",
            host.ownerUsername,
            host.users.map((entry) => entry.username).join(","),
            host.platform ?? "-",
            host.agentVersion ?? "-",
            host.lastSeenAt ? host.lastSeenAt.slice(0, 16).replace("T", " ") : "never",
            hostStatus(host),
            host.tokenPrefix,
            host.registrationId,
          ]),
        );
      return 0;
    });
  },
};

const hostsGrant: Command = {
  path: ["hosts", "grant"],
  summary: "Let a member of the organization use a host",
  options: { ...ORG_OPTION, ...HOST_OPTION, ...USER_OPTION("Username (or id) of the member"), ...CONFIG_OPTION },
  async run({ values }) {
    const [organization, hostName, user] = required(values, ["org", "host", "user"], "hosts grant --org SLUG --host HOST --user USERNAME");
    return withServices(values, async (services) => {
      const host = await findHost(services, organization!, hostName!);
      const { access, created } = await services.hosts.grant({ registrationId: host.registrationId, userId: user!, grantedByUserId: null });
      console.log(created ? `${access.username} may now use ${described(host)}.` : `${access.username} could already use ${described(host)} (as ${access.role}).`);
      return 0;
    });
  },
};

const hostsRevokeAccess: Command = {
  path: ["hosts", "revoke-access"],
  summary: "Stop a user from using a host (its owner keeps it)",
  options: { ...ORG_OPTION, ...HOST_OPTION, ...USER_OPTION("Username (or id) of the user"), ...CONFIG_OPTION },
  async run({ values }) {
    const [organization, hostName, user] = required(values, ["org", "host", "user"], "hosts revoke-access --org SLUG --host HOST --user USERNAME");
    return withServices(values, async (services) => {
      const host = await findHost(services, organization!, hostName!);
      const removed = await services.hosts.revokeAccess({ registrationId: host.registrationId, userId: user! });
      console.log(removed ? `${user} may no longer use ${described(host)}.` : `${user} had no access to ${described(host)}.`);
      return 0;
    });
  },
};

const hostsRevoke: Command = {
  path: ["hosts", "revoke"],
  summary: "Revoke a host: its token stops working at its next connect",
  options: { ...ORG_OPTION, ...HOST_OPTION, ...CONFIG_OPTION },
  async run({ values }) {
    const [organization, hostName] = required(values, ["org", "host"], "hosts revoke --org SLUG --host HOST");
    return withServices(values, async (services) => {
      const found = await findHost(services, organization!, hostName!);
      if (found.revokedAt) {
        console.log(`${described(found)} was already revoked at ${found.revokedAt}.`);
        return 0;
      }
      const host = await services.hosts.revoke(found.registrationId);
      console.log(`Revoked ${described(host)}; register the machine again to bring it back.`);
      return 0;
    });
  },
};

/** The `superset hosts …` commands. */
export const hostCommands: Command[] = [hostsRegister, hostsList, hostsGrant, hostsRevokeAccess, hostsRevoke];
