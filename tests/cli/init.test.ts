/**
 * `superset init`: the files it writes (a config the loader accepts, a 0600 environment file with
 * a generated SECRET_KEY), the database with the organization and its owner, and the refusals
 * that leave nothing behind.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client.ts";
import { createServices } from "../../src/services/index.ts";
import { runCli } from "../helpers/cli.ts";
import { readEnvironmentFile } from "../helpers/systemd.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

const PASSWORD = "correct horse battery";
const IS_ROOT = process.getuid?.() === 0;
/** As root init hands the state directory to the service user; nobody stands in for superset here. */
const USER_ARGS = IS_ROOT ? ["--user", "nobody"] : [];

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A scratch root with the places init writes to: etc/superset and var/lib/superset (not created yet). */
function layout() {
  const root = mkdtempSync(join(tmpdir(), "superset-init-"));
  scratch.push(root);
  return { root, dir: join(root, "etc/superset"), stateDir: join(root, "var/lib/superset") };
}

function init(paths: { dir: string; stateDir: string }, extra: string[], stdin: string | undefined = `${PASSWORD}\n`) {
  return runCli(["init", "--dir", paths.dir, "--state-dir", paths.stateDir, ...extra, ...USER_ARGS], { stdin });
}

/** Everything below `root`, to show a refusal wrote nothing. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true }).map(String).sort();
}

describe("superset init", () => {
  const paths = layout();
  const args = ["--url", "https://superset.example.com", "--username", "admin", "--email", "admin@example.com", "--password-stdin"];
  const first = init(paths, args);

  test("writes config.ts and env, creates the database and prints the next steps", async () => {
    const result = await first;
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Wrote ${join(paths.dir, "config.ts")}`);
    expect(result.stdout).toContain("systemctl daemon-reload && systemctl enable --now superset");
    expect(result.stdout).toContain("curl -fsS http://127.0.0.1:5008/ready");
    expect(result.stdout).toContain("journalctl -u superset");
    expect(filesUnder(paths.root)).toEqual(["etc", "etc/superset", "etc/superset/config.ts", "etc/superset/env", "var", "var/lib", "var/lib/superset", "var/lib/superset/superset.db"]);
  });

  test("the env file is mode 0600 and holds a generated SECRET_KEY; the config holds no secret", async () => {
    await first;
    const envPath = join(paths.dir, "env");
    expect(statSync(envPath).mode & 0o777).toBe(0o600);
    const variables = readEnvironmentFile(envPath);
    expect(Object.keys(variables)).toEqual(["SECRET_KEY"]);
    expect(variables.SECRET_KEY).toMatch(/^[A-Za-z0-9_-]{64}$/);
    const configText = await Bun.file(join(paths.dir, "config.ts")).text();
    expect(configText).not.toContain(variables.SECRET_KEY!);
    expect(configText).toContain("SECRET_KEY: process.env.SECRET_KEY");
    expect(configText).toContain(`DATABASE_URL: "sqlite://${paths.stateDir}/superset.db"`);
    // Password hashes and encrypted signing keys: the database is the owner's alone.
    expect(statSync(join(paths.stateDir, "superset.db")).mode & 0o777).toBe(0o600);
  });

  test("superset config check passes on the written config with the env file's variables", async () => {
    await first;
    const env = readEnvironmentFile(join(paths.dir, "env"));
    const check = await runCli(["config", "check", "--config", join(paths.dir, "config.ts")], { env });
    expect(check.stderr).toBe("Configuration OK.\n");
    expect(check.code).toBe(0);
    const printed = JSON.parse(check.stdout.slice(check.stdout.indexOf("{")));
    expect(printed).toMatchObject({ MCP_AUTH_ENABLED: true, MCP_SERVICE_URL: "https://superset.example.com", MCP_SERVICE_HOST: "127.0.0.1", MCP_DEV_USERNAME: null });
    // Without the environment file the server would refuse to start: the key is nowhere else.
    const bare = await runCli(["config", "check", "--config", join(paths.dir, "config.ts")]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain("SECRET_KEY is not set");
  });

  test("the organization from the URL's host exists, owned by the user, who signs in with the password", async () => {
    await first;
    const db = openDatabase(`sqlite://${join(paths.stateDir, "superset.db")}`);
    try {
      const { accounts } = createServices(db);
      expect(await accounts.listOrganizations()).toEqual([expect.objectContaining({ slug: "superset-example-com", name: "superset.example.com", members: 1 })]);
      expect(await accounts.listUsers()).toEqual([expect.objectContaining({ username: "admin", email: "admin@example.com", organizations: [{ slug: "superset-example-com", role: "owner" }] })]);
      expect(await accounts.verifyPassword("admin", PASSWORD)).not.toBeNull();
    } finally {
      await db.close();
    }
  });

  test.skipIf(!IS_ROOT)("as root the state directory and the database belong to the service user", async () => {
    await first;
    const nobody = Bun.spawnSync(["id", "-u", "nobody"]).stdout.toString().trim();
    expect(String(statSync(paths.stateDir).uid)).toBe(nobody);
    expect(String(statSync(join(paths.stateDir, "superset.db")).uid)).toBe(nobody);
    expect(statSync(join(paths.dir, "env")).uid).toBe(0);
  });

  test("a second run refuses, naming the files, and changes nothing", async () => {
    await first;
    const before = await Bun.file(join(paths.dir, "env")).text();
    const again = await init(paths, args);
    expect(again.code).toBe(1);
    expect(again.stderr).toStartWith(`${join(paths.dir, "config.ts")}, ${join(paths.dir, "env")}, ${join(paths.stateDir, "superset.db")}`);
    expect(again.stderr).toContain("already exist: superset init never overwrites a file, so nothing was written");
    expect(await Bun.file(join(paths.dir, "env")).text()).toBe(before);
  });
});

describe("superset init refuses bad input before writing anything", () => {
  const good = { url: ["--url", "https://superset.example.com"], user: ["--username", "admin"] };
  const cases: [string, string[], string | undefined, string][] = [
    ["missing --url", [...good.user, "--password-stdin"], PASSWORD, "Missing --url"],
    ["a URL that is not one", ["--url", "superset.example.com", ...good.user, "--password-stdin"], PASSWORD, "is not a URL"],
    ["plain http to another machine", ["--url", "http://superset.example.com", ...good.user, "--password-stdin"], PASSWORD, "must use https://"],
    ["another scheme", ["--url", "ftp://superset.example.com", ...good.user, "--password-stdin"], PASSWORD, "must start with https://"],
    ["a URL with a query", ["--url", "https://superset.example.com/?a=1", ...good.user, "--password-stdin"], PASSWORD, "must not hold a user, a password, a query"],
    ["an over-long URL", ["--url", `https://example.com/${"a".repeat(2000)}`, ...good.user, "--password-stdin"], PASSWORD, "--url must be at most 2000 characters"],
    ["missing --username", [...good.url, "--password-stdin"], PASSWORD, "Missing --username"],
    ["an over-long username", [...good.url, "--username", "a".repeat(101), "--password-stdin"], PASSWORD, "--username must be at most 100 characters (it has 101)"],
    ["a username with a space", [...good.url, "--username", "a b", "--password-stdin"], PASSWORD, "must start with a letter or digit"],
    ["an over-long organization name", [...good.url, ...good.user, "--org-name", "n".repeat(201), "--password-stdin"], PASSWORD, "--org-name must be at most 200 characters (it has 201)"],
    ["an over-long slug", [...good.url, ...good.user, "--org", "s".repeat(64), "--password-stdin"], PASSWORD, "--org must be at most 63 characters"],
    ["a bad slug", [...good.url, ...good.user, "--org", "Acme Inc", "--password-stdin"], PASSWORD, "must be lowercase letters and digits"],
    ["an over-long email", [...good.url, ...good.user, "--email", `${"e".repeat(250)}@x.io`, "--password-stdin"], PASSWORD, "--email must be at most 254 characters"],
    ["an empty password", [...good.url, ...good.user, "--password-stdin"], "", "The password must be at least 8 characters long (it has 0)"],
    ["no password and no terminal", [...good.url, ...good.user], undefined, "No password given for the owner"],
    ["an over-long password", [...good.url, ...good.user, "--password-stdin"], "p".repeat(1025), "--password-stdin must be at most 1024 characters"],
  ];
  for (const [name, args, stdin, message] of cases) {
    test(name, async () => {
      const paths = layout();
      const result = await init(paths, args, stdin);
      expect(result.stderr).toContain(message);
      expect(result.code).toBe(1);
      expect(filesUnder(paths.root)).toEqual([]);
    });
  }

  test("a relative --state-dir", async () => {
    const paths = layout();
    const result = await init({ dir: paths.dir, stateDir: "var/lib/superset" }, [...good.url, ...good.user, "--password-stdin"], PASSWORD);
    expect(result.stderr).toContain("--state-dir must be an absolute path");
    expect(result.code).toBe(1);
    expect(filesUnder(paths.root)).toEqual([]);
  });

  test("one existing target: named, and neither the other files nor the database are written", async () => {
    const paths = layout();
    mkdirSync(paths.dir, { recursive: true });
    writeFileSync(join(paths.dir, "env"), "SECRET_KEY=mine\n");
    const result = await init(paths, [...good.url, ...good.user, "--password-stdin"], PASSWORD);
    expect(result.stderr).toBe(`${join(paths.dir, "env")} already exists: superset init never overwrites a file, so nothing was written; move it away or choose another --dir or --state-dir.\n`);
    expect(result.code).toBe(1);
    expect(filesUnder(paths.root)).toEqual(["etc", "etc/superset", "etc/superset/env"]);
  });

  test("http on a loopback host is allowed, with a warning", async () => {
    const paths = layout();
    const result = await init(paths, ["--url", "http://127.0.0.1:5008/", ...good.user, "--password-stdin"], PASSWORD);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("Warning: --url http://127.0.0.1:5008 uses plain http");
    expect(await Bun.file(join(paths.dir, "config.ts")).text()).toContain('MCP_SERVICE_URL: "http://127.0.0.1:5008"');
    expect(existsSync(join(paths.stateDir, "superset.db"))).toBe(true);
  });

  test.skipIf(!IS_ROOT)("as root, a service user that does not exist", async () => {
    const paths = layout();
    const result = await runCli(["init", "--dir", paths.dir, "--state-dir", paths.stateDir, ...good.url, ...good.user, "--user", "no-such-user-x", "--password-stdin"], { stdin: PASSWORD });
    expect(result.stderr).toContain('The service user "no-such-user-x" does not exist: create it first with "useradd --system');
    expect(result.code).toBe(1);
    expect(filesUnder(paths.root)).toEqual([]);
  });

  test.skipIf(IS_ROOT)("not as root, --user (only root can give files away)", async () => {
    const paths = layout();
    const result = await runCli(["init", "--dir", paths.dir, "--state-dir", paths.stateDir, ...good.url, ...good.user, "--user", "nobody", "--password-stdin"], { stdin: PASSWORD });
    expect(result.stderr).toContain("--user nobody needs root");
    expect(result.code).toBe(1);
  });
});

test("the env file is created 0600 whatever the umask", async () => {
  const paths = layout();
  const command = ["init", "--dir", paths.dir, "--state-dir", paths.stateDir, "--url", "https://a.example.com", "--username", "admin", "--password-stdin", ...USER_ARGS];
  const child = Bun.spawn(["sh", "-c", 'umask 000; exec "$@"', "sh", process.execPath, join(import.meta.dir, "../../src/main.ts"), ...command], {
    env: { PATH: process.env.PATH ?? "" },
    stdin: new Blob([PASSWORD]),
    stdout: "ignore",
    stderr: "pipe",
  });
  expect(await child.exited).toBe(0);
  expect(statSync(join(paths.dir, "env")).mode & 0o777).toBe(0o600);
});
