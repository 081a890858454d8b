/** `--help` of every db, orgs, users, api-keys, keys, hosts and host command: exit 0, usage line, every option listed. */
import { afterAll, describe, expect, test } from "bun:test";
import { apiKeyCommands } from "../../src/cli/api-keys.ts";
import { dbCommands } from "../../src/cli/db.ts";
import { hostRunCommands } from "../../src/cli/host-run.ts";
import { hostCommands } from "../../src/cli/hosts.ts";
import { keyCommands } from "../../src/cli/keys.ts";
import { orgCommands } from "../../src/cli/orgs.ts";
import { userCommands } from "../../src/cli/users.ts";
import { runCli } from "../helpers/cli.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

const COMMANDS = [...dbCommands, ...orgCommands, ...userCommands, ...apiKeyCommands, ...keyCommands, ...hostCommands, ...hostRunCommands];

describe("--help", () => {
  test("the groups cover the documented commands", () => {
    expect(COMMANDS.map((command) => command.path.join(" "))).toEqual([
      "db migrate",
      "db backup",
      "orgs create",
      "orgs list",
      "users create",
      "users list",
      "users set-password",
      "users disable",
      "users enable",
      "users add-to-org",
      "api-keys create",
      "api-keys list",
      "api-keys revoke",
      "keys rotate",
      "keys list",
      "hosts register",
      "hosts list",
      "hosts grant",
      "hosts revoke-access",
      "hosts revoke",
      "host run",
    ]);
  });

  for (const command of COMMANDS) {
    test(`superset ${command.path.join(" ")} --help`, async () => {
      const { code, stdout, stderr } = await runCli([...command.path, "--help"]);
      expect(code).toBe(0);
      expect(stderr).toBe("");
      expect(stdout).toStartWith(`Usage: superset ${command.path.join(" ")}${command.positionals ? ` ${command.positionals}` : ""} [options]`);
      expect(stdout).toContain(command.summary);
      for (const option of [...Object.keys(command.options), "help"]) expect(stdout).toContain(`--${option}`);
      expect(stdout).not.toContain("--password ");
    });
  }

  for (const group of ["db", "orgs", "users", "api-keys", "keys", "hosts", "host"]) {
    test(`superset ${group} --help lists its commands`, async () => {
      const { code, stdout } = await runCli([group, "--help"]);
      expect(code).toBe(0);
      for (const command of COMMANDS.filter((c) => c.path[0] === group)) expect(stdout).toContain(command.path.join(" "));
    });
  }
});
