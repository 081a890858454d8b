/** `superset orgs …`: organizations, the unit every task and credential belongs to. */
import { CONFIG_OPTION, UsageError, type Command } from "./command.ts";
import { JSON_OPTION, onePositional, printJson, printTable, withServices } from "./shared.ts";

const orgsCreate: Command = {
  path: ["orgs", "create"],
  summary: "Create an organization",
  positionals: "<slug>",
  options: {
    name: { type: "string", description: "Display name of the organization (required)", valueName: "NAME" },
    ...CONFIG_OPTION,
  },
  async run(args) {
    const slug = onePositional(args, "<slug>", "orgs create");
    const name = args.values.name as string | undefined;
    if (!name) throw new UsageError(`Missing --name: run "superset orgs create ${slug} --name NAME".`);
    return withServices(args.values, async (services) => {
      const organization = await services.accounts.createOrganization({ name, slug });
      console.log(`Created organization ${organization.slug} ("${organization.name}", id ${organization.id}).`);
      return 0;
    });
  },
};

const orgsList: Command = {
  path: ["orgs", "list"],
  summary: "List the organizations with their number of members",
  options: { ...JSON_OPTION, ...CONFIG_OPTION },
  async run({ values }) {
    return withServices(values, async (services) => {
      const organizations = await services.accounts.listOrganizations();
      if (values.json) printJson(organizations);
      else if (organizations.length === 0) console.log('No organizations yet; create one with "superset orgs create <slug> --name NAME".');
      else
        printTable(
          ["SLUG", "NAME", "MEMBERS", "ID"],
          organizations.map((o) => [o.slug, o.name, String(o.members), o.id]),
        );
      return 0;
    });
  },
};

/** The `superset orgs …` commands. */
export const orgCommands: Command[] = [orgsCreate, orgsList];
