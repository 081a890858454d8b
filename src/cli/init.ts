/**
 * `superset init`: sets up a server the way scripts/deploy/superset.service runs it. Writes
 * <dir>/config.ts and <dir>/env (SECRET_KEY), creates and migrates the SQLite database in the
 * state directory with the first organization and its owner, and prints the next steps.
 */
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { startupProblems } from "../config/checks.ts";
import { loadConfig } from "../config/load.ts";
import { openDatabase } from "../db/client.ts";
import { SLUG_PATTERN, USERNAME_PATTERN } from "../services/accounts.ts";
import { createServices } from "../services/index.ts";
import { UsageError, type Command, type ParsedArgs } from "./command.ts";
import { checkLength, configFileText, envFileText, generateSecretKey, INIT_LIMITS, parsePublicUrl, slugFromHost } from "./init-files.ts";
import { PASSWORD_STDIN_OPTION, readPassword } from "./password.ts";

const DEFAULT_CONFIG_DIR = "/etc/superset";
/** The unit's StateDirectory=superset. */
const DEFAULT_STATE_DIR = "/var/lib/superset";
/** The unit's User=. */
const DEFAULT_SERVICE_USER = "superset";
const DATABASE_FILE_NAME = "superset.db";

/** Everything init decided before it writes a byte. */
interface Plan {
  url: string;
  configDir: string;
  configPath: string;
  envPath: string;
  stateDir: string;
  databaseUrl: string;
  orgSlug: string;
  orgName: string;
  username: string;
  email: string | null;
  /** uid and gid the state directory is handed to; null when init does not run as root. */
  owner: { name: string; uid: number; gid: number } | null;
}

const init: Command = {
  path: ["init"],
  summary: "Write config.ts and the env file (SECRET_KEY), create the database with the first organization and its owner",
  options: {
    url: { type: "string", description: "Public https:// address of the server (http:// only for a loopback host)", valueName: "URL" },
    dir: { type: "string", description: `Where config.ts and env are written (default ${DEFAULT_CONFIG_DIR})`, valueName: "DIR" },
    "state-dir": { type: "string", description: `Absolute path of the service's state directory, which holds the database (default ${DEFAULT_STATE_DIR})`, valueName: "DIR" },
    org: { type: "string", description: "Slug of the first organization (default: from the URL's host)", valueName: "SLUG" },
    "org-name": { type: "string", description: "Display name of the organization (default: the URL's host)", valueName: "NAME" },
    username: { type: "string", description: "Username of the organization's owner (required)", valueName: "USERNAME" },
    email: { type: "string", description: "Email address of the owner", valueName: "EMAIL" },
    user: { type: "string", description: `As root: the account the service runs as, given the state directory (default ${DEFAULT_SERVICE_USER})`, valueName: "USER" },
    ...PASSWORD_STDIN_OPTION,
  },
  async run({ values }) {
    const { plan, warnings } = planInit(values);
    refuseExisting(plan);
    const password = await readPassword(values["password-stdin"] === true);
    if (password === null) throw new UsageError("No password given for the owner: pipe it in with --password-stdin, or run superset init in a terminal to be prompted; nothing was written.");
    checkLength("password-stdin", password, INIT_LIMITS.password);
    for (const warning of warnings) console.error(`Warning: ${warning}`);
    await carryOut(plan, password);
    console.log(nextSteps(plan));
    return 0;
  },
};

/** Checks every option and turns them into a plan; throws UsageError before anything is written. */
function planInit(values: ParsedArgs["values"]): { plan: Plan; warnings: string[] } {
  const publicUrl = parsePublicUrl(values.url as string | undefined);
  const configDir = resolve((values.dir as string | undefined) ?? DEFAULT_CONFIG_DIR);
  const stateDir = (values["state-dir"] as string | undefined) ?? DEFAULT_STATE_DIR;
  for (const [option, path] of [
    ["dir", configDir],
    ["state-dir", stateDir],
  ] as const)
    checkLength(option, path, INIT_LIMITS.path);
  // The service runs in another working directory than this command: a relative path would point elsewhere.
  if (!isAbsolute(stateDir)) throw new UsageError(`--state-dir must be an absolute path such as ${DEFAULT_STATE_DIR} (got "${stateDir}").`);

  const username = values.username as string | undefined;
  if (!username) throw new UsageError('Missing --username: name the owner of the first organization, e.g. "--username admin".');
  checkLength("username", username, INIT_LIMITS.username);
  if (!USERNAME_PATTERN.test(username)) throw new UsageError(`--username "${username}" must start with a letter or digit and use only letters, digits and . _ @ + -.`);
  const email = (values.email as string | undefined) ?? null;
  if (email !== null) {
    checkLength("email", email, INIT_LIMITS.email);
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError(`--email "${email}" is not an email address.`);
  }
  const orgSlug = (values.org as string | undefined) ?? slugFromHost(publicUrl.host);
  checkLength("org", orgSlug, INIT_LIMITS.orgSlug);
  if (!SLUG_PATTERN.test(orgSlug)) throw new UsageError(`--org "${orgSlug}" must be lowercase letters and digits separated by single dashes, e.g. "acme".`);
  const orgName = ((values["org-name"] as string | undefined) ?? publicUrl.host).trim();
  checkLength("org-name", orgName, INIT_LIMITS.orgName);
  if (!orgName) throw new UsageError("--org-name must not be empty.");

  const plan: Plan = {
    url: publicUrl.url,
    configDir,
    configPath: join(configDir, "config.ts"),
    envPath: join(configDir, "env"),
    stateDir,
    databaseUrl: `sqlite://${join(stateDir, DATABASE_FILE_NAME)}`,
    orgSlug,
    orgName,
    username,
    email,
    owner: serviceOwner(values.user as string | undefined, stateDir),
  };
  return { plan, warnings: publicUrl.warning ? [publicUrl.warning] : [] };
}

/**
 * The account the state directory goes to. As root init hands it to the unit's static user, which
 * must exist already (else the service could not write its own database); as anyone else the
 * files stay the caller's, who is then the account that runs the server.
 */
function serviceOwner(given: string | undefined, stateDir: string): Plan["owner"] {
  const name = given ?? DEFAULT_SERVICE_USER;
  checkLength("user", name, 32);
  if (process.getuid?.() !== 0) {
    if (given !== undefined)
      throw new UsageError(`--user ${given} needs root: only root can hand the state directory to another account; run superset init as root, or leave out --user to keep the files yours.`);
    return null;
  }
  const id = (flag: string) => Bun.spawnSync(["id", flag, "--", name], { stdout: "pipe", stderr: "pipe" });
  const [uid, gid] = [id("-u"), id("-g")];
  if (uid.exitCode !== 0 || gid.exitCode !== 0) {
    throw new UsageError(
      `The service user "${name}" does not exist: create it first with "useradd --system --user-group --home-dir ${stateDir} --no-create-home --shell /usr/sbin/nologin ${name}", or name the account the service runs as with --user; nothing was written.`,
    );
  }
  return { name, uid: Number(uid.stdout.toString()), gid: Number(gid.stdout.toString()) };
}

/** Every file init would create, checked before the first is written: init never overwrites one. */
function refuseExisting(plan: Plan): void {
  const database = join(plan.stateDir, DATABASE_FILE_NAME);
  const targets = [plan.configPath, plan.envPath, database, `${database}-wal`, `${database}-shm`];
  const existing = targets.filter((path) => existsSync(path));
  if (existing.length === 0) return;
  const list = existing.join(", ");
  throw new UsageError(
    `${list} already exist${existing.length === 1 ? "s" : ""}: superset init never overwrites a file, so nothing was written; move ${existing.length === 1 ? "it" : "them"} away or choose another --dir or --state-dir.`,
  );
}

/** Writes the files and the database; whatever it created is removed again when a step fails. */
async function carryOut(plan: Plan, password: string): Promise<void> {
  const created: string[] = [];
  const createDir = (path: string, mode: number) => {
    const first = mkdirSync(path, { recursive: true, mode });
    if (first !== undefined) created.push(first);
  };
  const createFile = (path: string, text: string, mode: number) => {
    // O_CREAT|O_EXCL with the final mode: the file is never readable by others, not even for an
    // instant, and a file that appeared since the check is not overwritten.
    writeFileSync(path, text, { mode, flag: "wx" });
    created.push(path);
  };
  try {
    const secretKey = generateSecretKey();
    createDir(plan.configDir, 0o755);
    createFile(plan.envPath, envFileText(secretKey), 0o600);
    // Readable by the service user, which imports it; it holds no secret.
    createFile(plan.configPath, configFileText(plan), 0o644);
    // Parents as /var/lib is (0755), so the service user can reach its own directory below them.
    createDir(dirname(plan.stateDir), 0o755);
    createDir(plan.stateDir, 0o750);
    if (!created.includes(plan.stateDir)) for (const suffix of ["", "-wal", "-shm"]) created.push(join(plan.stateDir, DATABASE_FILE_NAME + suffix));
    // Loaded the way the service loads it, so a config the server would refuse is never left behind.
    const { config } = await loadConfig({ path: plan.configPath, env: { SECRET_KEY: secretKey } });
    const problems = await startupProblems(config);
    if (problems.length) throw new Error(`the written config would not start the server: ${problems.join(" ")}`);
    // The database holds password hashes and the encrypted signing keys: created 0600, as the
    // unit's UMask=0077 would, and SQLite gives its -wal and -shm files the database's mode.
    const umask = process.umask(0o077);
    try {
      await createOwner(config.DATABASE_URL, plan, password);
    } finally {
      process.umask(umask);
    }
    if (plan.owner) handOver(plan.stateDir, plan.owner);
  } catch (error) {
    for (const path of created.reverse()) rmSync(path, { recursive: true, force: true });
    if (error instanceof UsageError) throw error;
    throw new UsageError(`superset init failed, and removed what it had written: ${(error as Error).message}`);
  }
}

async function createOwner(databaseUrl: string, plan: Plan, password: string): Promise<void> {
  const db = openDatabase(databaseUrl);
  try {
    await db.migrate();
    const { accounts } = createServices(db);
    const organization = await accounts.createOrganization({ name: plan.orgName, slug: plan.orgSlug });
    const user = await accounts.createUser({ username: plan.username, email: plan.email, password });
    await accounts.setMembership(user.username, organization.id, "owner");
  } finally {
    await db.close();
  }
}

/** The state directory and the database files in it go to the service user: SQLite writes beside the database (-wal, -shm). */
function handOver(stateDir: string, owner: NonNullable<Plan["owner"]>): void {
  chownSync(stateDir, owner.uid, owner.gid);
  for (const name of readdirSync(stateDir)) chownSync(join(stateDir, name), owner.uid, owner.gid);
}

function nextSteps(plan: Plan): string {
  const owner = plan.owner ? `, owned by ${plan.owner.name}` : "";
  return [
    `Wrote ${plan.configPath} and ${plan.envPath} (mode 0600, SECRET_KEY).`,
    `Created the database ${plan.databaseUrl}${owner}, organization ${plan.orgSlug} ("${plan.orgName}") and its owner ${plan.username}.`,
    "",
    "Next steps (as root):",
    "  1. Install the unit:   install -m 644 scripts/deploy/superset.service /etc/systemd/system/superset.service",
    `  2. Put nginx in front: TLS for ${new URL(plan.url).host}, proxying to http://127.0.0.1:5008 (the README's Deploy section)`,
    "  3. Start it:           systemctl daemon-reload && systemctl enable --now superset",
    "  4. Check it:           curl -fsS http://127.0.0.1:5008/ready && journalctl -u superset",
    `  5. Sign in at ${plan.url} as ${plan.username}.`,
  ].join("\n");
}

/** The `superset init` command. */
export const initCommands: Command[] = [init];
