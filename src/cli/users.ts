/** `superset users …`: accounts, their passwords, and their roles in organizations. */
import { MEMBER_ROLES } from "../db/schema/values.ts";
import { conflict } from "../services/errors.ts";
import { CONFIG_OPTION, UsageError, type Command, type OptionSpec } from "./command.ts";
import { PASSWORD_STDIN_OPTION, readPassword } from "./password.ts";
import { JSON_OPTION, onePositional, parseRole, printJson, printTable, withServices } from "./shared.ts";

const ORG_OPTION: Record<string, OptionSpec> = { org: { type: "string", description: "Slug (or id) of the organization", valueName: "SLUG" } };
const ROLE_OPTION: Record<string, OptionSpec> = { role: { type: "string", description: `Role in the organization: ${MEMBER_ROLES.join(", ")}`, valueName: "ROLE" } };

const usersCreate: Command = {
  path: ["users", "create"],
  summary: "Create a user, optionally with a password and a role in an organization",
  positionals: "<username>",
  options: {
    name: { type: "string", description: "Display name (default: the username)", valueName: "NAME" },
    email: { type: "string", description: "Email address", valueName: "EMAIL" },
    ...PASSWORD_STDIN_OPTION,
    ...ORG_OPTION,
    ...ROLE_OPTION,
    ...CONFIG_OPTION,
  },
  async run(args) {
    const { values } = args;
    const username = onePositional(args, "<username>", "users create");
    if ((values.org === undefined) !== (values.role === undefined)) throw new UsageError("--org and --role go together: give both to add the user to an organization, or neither.");
    const role = values.role === undefined ? undefined : parseRole(values.role);
    return withServices(values, async (services) => {
      // Everything that can be refused is checked before the user exists, so a failure leaves nothing half made.
      const organization = values.org === undefined ? undefined : await services.accounts.requireOrganization(values.org as string);
      if (await services.accounts.findUser(username)) throw conflict(`User "${username}" already exists.`);
      const password = await readPassword(values["password-stdin"] === true);
      const user = await services.accounts.createUser({ username, name: values.name as string | undefined, email: (values.email as string | undefined) ?? null, password });
      if (organization && role) await services.accounts.setMembership(user.username, organization.id, role);
      const membership = organization ? `, ${role} of ${organization.slug}` : "";
      console.log(`Created user ${user.username} (id ${user.id}${membership}${password ? "" : ", no password"}).`);
      return 0;
    });
  },
};

const usersList: Command = {
  path: ["users", "list"],
  summary: "List the users with their organizations and roles",
  options: { ...JSON_OPTION, ...CONFIG_OPTION },
  async run({ values }) {
    return withServices(values, async (services) => {
      const users = await services.accounts.listUsers();
      if (values.json) printJson(users);
      else if (users.length === 0) console.log('No users yet; create one with "superset users create <username>".');
      else
        printTable(
          ["USERNAME", "NAME", "EMAIL", "ACTIVE", "ORGANIZATIONS"],
          users.map((u) => [u.username, u.name, u.email ?? "", u.isActive ? "yes" : "no", u.organizations.map((o) => `${o.slug} (${o.role})`).join(", ")]),
        );
      return 0;
    });
  },
};

const usersSetPassword: Command = {
  path: ["users", "set-password"],
  summary: "Set or replace a user's password",
  positionals: "<username>",
  options: { ...PASSWORD_STDIN_OPTION, ...CONFIG_OPTION },
  async run(args) {
    const username = onePositional(args, "<username>", "users set-password");
    return withServices(args.values, async (services) => {
      const user = await services.accounts.requireUser(username);
      const password = await readPassword(args.values["password-stdin"] === true);
      if (password === null) throw new UsageError("No password given: pipe it in with --password-stdin, or run the command in a terminal to be prompted.");
      await services.accounts.setPassword(user.id, password);
      console.log(`Password of ${user.username} set.`);
      return 0;
    });
  },
};

/** `users disable` and `users enable`: a disabled user keeps its data but no credential of it works. */
function activeSwitch(isActive: boolean): Command {
  const verb = isActive ? "enable" : "disable";
  return {
    path: ["users", verb],
    summary: isActive ? "Let a disabled user sign in and use their credentials again" : "Stop a user from signing in or using any credential",
    positionals: "<username>",
    options: { ...CONFIG_OPTION },
    async run(args) {
      const username = onePositional(args, "<username>", `users ${verb}`);
      return withServices(args.values, async (services) => {
        await services.accounts.setActive(username, isActive);
        console.log(`User ${username} ${verb}d.`);
        return 0;
      });
    },
  };
}

const usersAddToOrg: Command = {
  path: ["users", "add-to-org"],
  summary: "Add a user to an organization with a role, or change their role there",
  positionals: "<username>",
  options: { ...ORG_OPTION, ...ROLE_OPTION, ...CONFIG_OPTION },
  async run(args) {
    const username = onePositional(args, "<username>", "users add-to-org");
    if (args.values.org === undefined || args.values.role === undefined) throw new UsageError(`Missing --org or --role: run "superset users add-to-org ${username} --org SLUG --role ROLE".`);
    const role = parseRole(args.values.role);
    return withServices(args.values, async (services) => {
      const organization = await services.accounts.requireOrganization(args.values.org as string);
      await services.accounts.setMembership(username, organization.id, role);
      console.log(`User ${username} is ${role} of ${organization.slug}.`);
      return 0;
    });
  },
};

/** The `superset users …` commands. */
export const userCommands: Command[] = [usersCreate, usersList, usersSetPassword, activeSwitch(false), activeSwitch(true), usersAddToOrg];
