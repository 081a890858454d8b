/**
 * The server's systemd unit (scripts/deploy/superset.service): the hardening it promises,
 * `systemd-analyze verify`, and its exact ExecStart line, run with the unit's environment on a
 * config written by `superset init`, reaching GET /ready. As root the run also reproduces the
 * unit's User=, NoNewPrivileges=, CapabilityBoundingSet=, ProtectSystem=strict, ProtectHome=,
 * PrivateTmp=, UMask= and LimitNOFILE= in a private mount namespace.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { COMMANDS } from "../../src/cli/index.ts";
import { createSandbox, freePort, type Sandbox } from "../helpers/binary.ts";
import { environmentAssignments, parseUnit, readEnvironmentFile, singleValues } from "../helpers/systemd.ts";
import { eventually } from "../helpers/eventually.ts";

const UNIT_PATH = join(import.meta.dir, "../../scripts/deploy/superset.service");
const UNIT_TEXT = readFileSync(UNIT_PATH, "utf8");
const unit = parseUnit(UNIT_TEXT);
const single = singleValues(unit);
const execStart = single("Service", "ExecStart") ?? "";
const IS_ROOT = process.getuid?.() === 0;
/** The PATH systemd gives services (its default, not the test's). */
const SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const PASSWORD = "correct horse battery";

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe("superset.service", () => {
  test("runs superset mcp run on /etc/superset/config.ts as its own user, state in /var/lib/superset", () => {
    expect(execStart).toBe("/usr/local/bin/superset mcp run --config /etc/superset/config.ts");
    expect(COMMANDS.some((command) => command.path.join(" ") === "mcp run" && "config" in command.options)).toBe(true);
    expect(single("Service", "User")).toBe("superset");
    expect(single("Service", "StateDirectory")).toBe("superset");
    expect(single("Service", "WorkingDirectory")).toBe("/var/lib/superset");
    // No leading "-": a missing secrets file stops the unit instead of starting it without SECRET_KEY.
    expect(single("Service", "EnvironmentFile")).toBe("/etc/superset/env");
    expect(UNIT_TEXT).not.toMatch(/SECRET_KEY=\S/);
    expect(single("Install", "WantedBy")).toBe("multi-user.target");
  });

  test("restarts on failure, outlasts the server's drain on stop, and allows many open streams", () => {
    expect(single("Service", "Restart")).toBe("on-failure");
    expect(single("Service", "TimeoutStopSec")).toBe("45");
    expect(Number(single("Service", "LimitNOFILE"))).toBeGreaterThanOrEqual(65536);
  });

  test("is hardened, without MemoryDenyWriteExecute (Bun's JIT writes code it then runs)", () => {
    for (const [key, value] of [
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["ProtectHome", "yes"],
      ["PrivateTmp", "yes"],
      ["PrivateDevices", "yes"],
      ["CapabilityBoundingSet", ""],
      ["SystemCallFilter", "@system-service"],
      ["UMask", "0077"],
    ])
      expect({ key, value: single("Service", key!) }).toEqual({ key, value });
    expect(unit.get("Service")?.has("MemoryDenyWriteExecute")).toBe(false);
    expect(UNIT_TEXT).toContain("MemoryDenyWriteExecute");
  });
});

/** `systemd-analyze verify` wants ExecStart's executable to exist: a copy of the unit points at a stub in a scratch dir. */
function verifyUnit(): { code: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "superset-unit-"));
  scratch.push(dir);
  const stub = join(dir, "superset");
  writeFileSync(stub, "#!/bin/sh\n");
  chmodSync(stub, 0o755);
  const copy = join(dir, basename(UNIT_PATH));
  writeFileSync(copy, UNIT_TEXT.replace("ExecStart=/usr/local/bin/superset ", `ExecStart=${stub} `));
  const result = Bun.spawnSync(["systemd-analyze", "verify", copy], { env: { PATH: process.env.PATH ?? "" }, stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, output: `${result.stdout.toString()}${result.stderr.toString()}`.trim() };
}

const hasAnalyze = Bun.which("systemd-analyze") !== null;
if (!hasAnalyze) console.log("skipping systemd-analyze verify of superset.service: systemd-analyze is not installed");
test.skipIf(!hasAnalyze)("systemd-analyze verify accepts the unit without a warning", () => {
  const { code, output } = verifyUnit();
  expect(output).toBe("");
  expect(code).toBe(0);
});

/** The unit's absolute paths inside the sandbox: /etc/superset/config.ts becomes <root>/etc/superset/config.ts. */
function mapped(sandbox: Sandbox, path: string): string {
  return join(sandbox.root, path);
}

/**
 * Runs in a private mount namespace (nothing leaks out of it), then drops to `user` and execs the
 * command: the sandbox is bound back at its own path over a fresh /tmp (PrivateTmp=), homes are
 * empty read-only tmpfs (ProtectHome=yes), every mount is remounted read-only except the state
 * directory and the private temp dirs (ProtectSystem=strict with StateDirectory=).
 */
const HARDENED_START = `
root=$1 state=$2 cwd=$3 user=$4 group=$5; shift 5
mount -t tmpfs tmpfs /mnt; mkdir /mnt/sandbox; mount --bind "$root" /mnt/sandbox
mount -t tmpfs tmpfs /tmp; mkdir -p "$root"; mount --rbind /mnt/sandbox "$root"; umount -l /mnt
mount -t tmpfs tmpfs /var/tmp
mount --bind "$state" "$state"
for home in /home /root /run/user; do if [ -d "$home" ]; then mount -t tmpfs -o ro,mode=0755 tmpfs "$home"; fi; done
awk '{print $5}' /proc/self/mountinfo | while read -r point; do
  case "$point" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*|/tmp|/var/tmp|"$state") ;; *) mount -o remount,bind,ro "$point" ;; esac
done
# systemd may raise the hard limit; a container's root may not: the limit is capped at the hard one.
hard=$(ulimit -Hn); if [ "$hard" != unlimited ] && [ "$hard" -lt "$LIMIT_NOFILE" ]; then LIMIT_NOFILE=$hard; fi
ulimit -n "$LIMIT_NOFILE"; unset LIMIT_NOFILE
umask "$UNIT_UMASK"; unset UNIT_UMASK
cd "$cwd"
exec setpriv --reuid="$user" --regid="$group" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- "$@"
`;

const canHarden = IS_ROOT && ["unshare", "setpriv", "mount"].every((tool) => Bun.which(tool) !== null);
if (!canHarden) console.log("superset.service run: not root or no unshare/setpriv, so ExecStart runs as this user without the unit's mount and privilege restrictions");

describe("the unit's ExecStart on a config written by superset init", () => {
  let sandbox: Sandbox;
  let port: number;
  let child: ReturnType<typeof Bun.spawn> | undefined;
  let log = "";
  // nobody stands in for the superset user, which this machine does not have.
  const serviceUser = "nobody";

  beforeAll(async () => {
    sandbox = await createSandbox();
    // The binary at the unit's path inside the sandbox (a hard link: same file system, no copy).
    mkdirSync(mapped(sandbox, "/usr/local/bin"), { recursive: true });
    linkSync(sandbox.binary, mapped(sandbox, "/usr/local/bin/superset"));
    if (canHarden) for (const dir of [sandbox.root, dirname(sandbox.binary)]) chmodSync(dir, 0o755);

    const initArgs = [
      "init",
      "--dir",
      mapped(sandbox, "/etc/superset"),
      "--state-dir",
      mapped(sandbox, "/var/lib/superset"),
      "--url",
      "https://superset.example.com",
      "--username",
      "admin",
      "--email",
      "admin@example.com",
      "--password-stdin",
    ];
    const init = Bun.spawn([mapped(sandbox, "/usr/local/bin/superset"), ...initArgs, ...(IS_ROOT ? ["--user", serviceUser] : [])], {
      cwd: sandbox.cwd,
      env: { PATH: SYSTEMD_PATH },
      stdin: new Blob([`${PASSWORD}\n`]),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stderr] = await Promise.all([init.exited, new Response(init.stderr).text()]);
    if (code !== 0) throw new Error(`superset init failed (${code}): ${stderr}`);

    // Other tests run at the same time: the server gets a free port instead of 5008.
    port = freePort();
    const configPath = mapped(sandbox, "/etc/superset/config.ts");
    writeFileSync(configPath, readFileSync(configPath, "utf8").replace("MCP_SERVICE_PORT: 5008,", `MCP_SERVICE_PORT: ${port},`));

    const state = mapped(sandbox, "/var/lib/superset");
    const argv = execStart.split(/\s+/).map((word) => (word.startsWith("/") ? mapped(sandbox, word) : word));
    // What systemd puts in the service's environment: its PATH, the User='s identity, Environment=, EnvironmentFile=, STATE_DIRECTORY.
    const env: Record<string, string> = {
      PATH: SYSTEMD_PATH,
      HOME: state,
      USER: "superset",
      LOGNAME: "superset",
      ...environmentAssignments(unit.get("Service")?.get("Environment") ?? []),
      ...readEnvironmentFile(mapped(sandbox, single("Service", "EnvironmentFile")!)),
      STATE_DIRECTORY: state,
    };
    const cwd = mapped(sandbox, single("Service", "WorkingDirectory")!);
    const group = Bun.spawnSync(["id", "-gn", serviceUser]).stdout.toString().trim();
    const command = canHarden ? ["unshare", "--mount", "--propagation", "private", "--", "sh", "-euc", HARDENED_START, "sh", sandbox.root, state, cwd, serviceUser, group, ...argv] : argv;
    const spawnEnv = canHarden ? { ...env, LIMIT_NOFILE: single("Service", "LimitNOFILE")!, UNIT_UMASK: single("Service", "UMask")! } : env;
    child = Bun.spawn(command, { cwd, env: spawnEnv, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    void (async () => {
      const decoder = new TextDecoder();
      const reader = (child!.stderr as ReadableStream<Uint8Array>).getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) log += decoder.decode(chunk.value, { stream: true });
    })();
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await child.exited;
    }
    await sandbox?.dispose();
  });

  test("reaches GET /ready 200", async () => {
    const ready = async () => {
      if (child!.exitCode !== null) throw new Error(`the server exited with ${child!.exitCode}:\n${log}`);
      return fetch(`http://127.0.0.1:${port}/ready`).then(
        (response) => response.status === 200,
        () => false,
      );
    };
    await eventually(`GET /ready on port ${port} (log so far: ${log})`, ready, 30_000);
    expect(await (await fetch(`http://127.0.0.1:${port}/ready`)).json()).toEqual({ status: "ready", database: "ok" });
  });

  test.skipIf(!canHarden)("under the unit's restrictions the files it writes belong to the service user, readable by it alone", async () => {
    await eventually("the database's write-ahead log", () => Bun.file(join(mapped(sandbox, "/var/lib/superset"), "superset.db-wal")).exists());
    const nobody = Number(Bun.spawnSync(["id", "-u", serviceUser]).stdout.toString());
    const wal = statSync(join(mapped(sandbox, "/var/lib/superset"), "superset.db-wal"));
    expect(wal.uid).toBe(nobody);
    expect(wal.mode & 0o077).toBe(0);
  });

  test("SIGTERM stops it with status 0", async () => {
    await eventually(
      "the server to answer",
      () =>
        fetch(`http://127.0.0.1:${port}/ready`).then(
          (r) => r.ok,
          () => false,
        ),
      30_000,
    );
    child!.kill("SIGTERM");
    expect(await child!.exited).toBe(0);
  });
});
