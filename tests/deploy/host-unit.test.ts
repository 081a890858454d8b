/**
 * The host agent's systemd user unit (scripts/deploy/superset-host.service) and the README's Hosts
 * section: the unit runs `superset host run` with the token from its environment file, never on
 * the command line, and every `superset …` command the README shows exists with the flags it uses.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { COMMANDS } from "../../src/cli/index.ts";
import type { Command } from "../../src/cli/command.ts";
import { createHostHub } from "../../src/hosts/hub.ts";
import type { HostRegistration } from "../../src/services/hosts.ts";
import type { Services } from "../../src/services/index.ts";
import { parseUnit, singleValues } from "../helpers/systemd.ts";

const ROOT = join(import.meta.dir, "../..");
const UNIT_PATH = join(ROOT, "scripts/deploy/superset-host.service");
const UNIT_TEXT = readFileSync(UNIT_PATH, "utf8");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const MAIN = join(ROOT, "src/main.ts");

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "superset-host-unit-"));
  scratch.push(dir);
  return dir;
}

const unit = parseUnit(UNIT_TEXT);
const single = singleValues(unit);

/** The leaf command `words` names (the longest path match, as `superset` itself resolves it). */
function commandFor(words: string[]): Command | undefined {
  return COMMANDS.filter((command) => command.path.every((word, i) => words[i] === word)).sort((a, b) => b.path.length - a.path.length)[0];
}

/** The options used in `args` that `command` does not have (`--help`/`-h` are every command's). */
function unknownOptions(command: Command, args: string[]): string[] {
  const shorts = new Set(Object.values(command.options).flatMap((spec) => (spec.short ? [spec.short] : [])));
  return args.filter((arg) => {
    if (arg.startsWith("--")) {
      const name = arg.slice(2).split("=")[0]!;
      return name !== "help" && !(name in command.options);
    }
    if (/^-[A-Za-z]$/.test(arg)) return arg !== "-h" && !shorts.has(arg.slice(1));
    return false;
  });
}

describe("superset-host.service", () => {
  const execStart = single("Service", "ExecStart") ?? "";
  const argv = execStart.split(/\s+/);

  test("has [Unit], [Service] and [Install]", () => {
    expect([...unit.keys()]).toEqual(expect.arrayContaining(["Unit", "Service", "Install"]));
    expect(single("Unit", "Description")).toBeTruthy();
  });

  test("ExecStart runs superset host run --server from the environment file", () => {
    expect(argv[0]).toBe("%h/.local/bin/superset");
    expect(argv.slice(1, 3)).toEqual(["host", "run"]);
    const server = argv.indexOf("--server");
    expect(server).toBeGreaterThan(2);
    // ${VAR} (braces) is one argument, filled from Environment=/EnvironmentFile=.
    expect(argv[server + 1]).toBe("${SUPERSET_SERVER}");
    expect(unknownOptions(commandFor(["host", "run"])!, argv.slice(3))).toEqual([]);
  });

  test("the token is not on the command line nor in the unit: it comes from the environment file", () => {
    expect(execStart).not.toContain("--token");
    expect(UNIT_TEXT).not.toMatch(/sk_host_[A-Za-z0-9_-]{43}/);
    for (const value of unit.get("Service")?.get("Environment") ?? []) expect(value).not.toContain("SUPERSET_HOST_TOKEN");
    // No leading "-": a missing environment file stops the unit instead of starting an agent without a token.
    expect(single("Service", "EnvironmentFile")).toBe("%h/.config/superset-host/env");
  });

  test("restarts always, ends its terminals on stop, and starts with the user's manager", () => {
    expect(single("Service", "Restart")).toBe("always");
    expect(single("Service", "RestartSec")).toBe("5");
    expect(single("Service", "KillMode")).toBe("mixed");
    expect(single("Install", "WantedBy")).toBe("default.target");
    expect(UNIT_TEXT).toContain("loginctl enable-linger");
  });

  test("its name is the one the server's offline sentence tells people to start", async () => {
    const hub = createHostHub({ services: {} as Services, commandTimeoutSeconds: 1, serverUrl: "https://superset.example.com" });
    const host = { registrationId: "r", id: "0".repeat(32), name: "box", lastSeenAt: null } as HostRegistration;
    try {
      const error = await hub.command(host, "inventory", {}).catch((caught: unknown) => caught as Error);
      expect((error as Error).message).toContain(`systemctl --user start ${basename(UNIT_PATH, ".service")}`);
    } finally {
      hub.stop();
    }
  });
});

describe("superset host run reads SUPERSET_HOST_TOKEN", () => {
  /** Runs `superset host run --server URL …` with only PATH and `env` in its environment. */
  function hostRun(env: Record<string, string>, extraArgs: string[] = []) {
    return Bun.spawn([process.execPath, MAIN, "host", "run", "--server", "http://127.0.0.1:9", ...extraArgs], {
      cwd: scratchDir(),
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  }

  test("without --token or the variable, it says which to give", async () => {
    const child = hostRun({});
    expect(await child.exited).toBe(1);
    expect(await new Response(child.stderr).text()).toContain("Missing --token (or SUPERSET_HOST_TOKEN)");
  });

  test("the variable is taken as the token (and checked like one)", async () => {
    const child = hostRun({ SUPERSET_HOST_TOKEN: "sk_live_notahosttoken" });
    expect(await child.exited).toBe(1);
    expect(await new Response(child.stderr).text()).toContain("must be a host token starting with sk_host_");
  });

  test("with a host token in the variable it runs, retries an unreachable server, and SIGTERM stops it with status 0", async () => {
    const child = hostRun({ SUPERSET_HOST_TOKEN: `sk_host_${"a".repeat(43)}` }, ["--data-dir", join(scratchDir(), "data"), "--host-id", "f".repeat(32)]);
    const reader = child.stderr.getReader();
    const decoder = new TextDecoder();
    let stderr = "";
    while (!stderr.includes("retrying")) {
      const chunk = await reader.read();
      if (chunk.done) break;
      stderr += decoder.decode(chunk.value, { stream: true });
    }
    expect(stderr).toContain("could not connect; retrying");
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  });
});

/** `systemd-analyze verify --user` needs a user manager's runtime dir and an executable at ExecStart's path: both are faked in a scratch home. */
function verifyUnit(): { usable: boolean; code: number; output: string } {
  const home = scratchDir();
  const runtime = join(home, "run");
  mkdirSync(runtime, { mode: 0o700 });
  mkdirSync(join(home, ".local/bin"), { recursive: true });
  writeFileSync(join(home, ".local/bin/superset"), "#!/bin/sh\n");
  chmodSync(join(home, ".local/bin/superset"), 0o755);
  const unitCopy = join(home, basename(UNIT_PATH));
  copyFileSync(UNIT_PATH, unitCopy);
  const result = Bun.spawnSync(["systemd-analyze", "verify", "--user", unitCopy], { env: { PATH: process.env.PATH ?? "", HOME: home, XDG_RUNTIME_DIR: runtime }, stdout: "pipe", stderr: "pipe" });
  const output = `${result.stdout.toString()}${result.stderr.toString()}`.trim();
  return { usable: !/Failed to initialize manager|Failed to lookup RuntimeDirectory/.test(output), code: result.exitCode, output };
}

const verification = Bun.which("systemd-analyze") ? verifyUnit() : null;
if (!verification?.usable) console.log("skipping systemd-analyze verify: systemd-analyze is not installed or cannot start a user manager here; the unit is checked by parsing only");

test.skipIf(!verification?.usable)("systemd-analyze verify --user accepts the unit without a warning", () => {
  expect(verification!.output).toBe("");
  expect(verification!.code).toBe(0);
});

describe("README Hosts section", () => {
  const start = README.search(/^## Hosts$/m);
  const rest = README.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = start < 0 ? "" : README.slice(start, end < 0 ? undefined : start + 1 + end);

  /** Lines of the section's fenced code blocks that run `superset`, without comments, `[ ]` or leading VAR=value. */
  const commandLines = [...section.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)]
    .flatMap((block) => block[1]!.split("\n"))
    .map((line) =>
      line
        .replace(/\s+#.*$/, "")
        .trim()
        .replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, ""),
    )
    .filter((line) => line.startsWith("superset "));

  test("exists and shows the host commands", () => {
    expect(start).toBeGreaterThan(-1);
    const shown = new Set(commandLines.map((line) => commandFor(line.split(/\s+/).slice(1))?.path.join(" ")));
    for (const path of ["hosts register", "host run", "hosts list", "hosts grant", "hosts revoke-access", "hosts revoke"]) expect(shown).toContain(path);
  });

  test("every superset command shown exists with the flags it uses", () => {
    for (const line of commandLines) {
      const words = line.replace(/[[\]]/g, " ").split(/\s+/).filter(Boolean).slice(1);
      const command = commandFor(words);
      expect(command ? line : `no such command: ${line}`).toBe(line);
      expect({ line, unknown: unknownOptions(command!, words.slice(command!.path.length)) }).toEqual({ line, unknown: [] });
    }
  });

  test("installs the unit file that exists, with its environment file", () => {
    expect(section).toContain("scripts/deploy/superset-host.service");
    expect(section).toContain(single("Service", "EnvironmentFile")!.replace("%h", "~"));
  });
});
